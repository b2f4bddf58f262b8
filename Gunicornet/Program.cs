using System.Collections;
using System.CommandLine;
using System.CommandLine.Help;
using Gunicornet;
using Gunicornet.Config;
using Gunicornet.Master;
using Gunicornet.Worker;

// Before anything writes to stderr: a log file reopened on USR1 must receive what comes after.
Gunicornet.Logging.StderrWriter.Install();

if (args is [SelfCommand.WorkerVerb, ..])
{
    return WorkerMain.Run();
}

if (args is [ControlClient.Verb, .. var control])
{
    return ControlClient.Run(control);
}

var environment = CurrentEnvironment();

// Where the command started, as a path: a HUP changes into it again before reading the command line,
// so a release renamed or linked into that path after the start is the one the new generation runs.
var startDirectory = Gunicornet.Posix.WorkingDirectory.Logical(environment.GetValueOrDefault("PWD"));

// As gunicorn: without -c, ./gunicorn.conf.py is the config file when it exists (where the command
// was started, whatever --chdir says; a HUP looks there again).
const string DefaultConfigFile = "gunicorn.conf.py";
var commandLine = new CommandLine(environment);
commandLine.Root.SetAction(_ =>
{
    var (config, errors) = CommandLine.Read(args, environment, Path.GetFullPath(DefaultConfigFile));
    if (config is null)
    {
        return UsageError(errors);
    }

    if (config.Get(Settings.PrintConfig) || config.Get(Settings.CheckConfig))
    {
        // The master says these in its log; these commands have none.
        foreach (var warning in config.Warnings)
        {
            Console.Error.WriteLine($"gunicornet: warning: {warning}");
        }
    }

    if (config.Get(Settings.PrintConfig))
    {
        foreach (var line in config.Lines())
        {
            Console.Out.WriteLine(line);
        }

        return ExitCodes.Ok;
    }

    if (config.Get(Settings.CheckConfig))
    {
        return AppCheck.Run(config);
    }

    return config.Get(Settings.Daemon) && !Daemon.IsDaemon ? Daemon.Launch(args) : MasterProcess.Run(config, args, Reread);
});

var parsed = commandLine.Parse(args);
if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
{
    return UsageError(parsed.Errors.Select(e => e.Message));
}

if (parsed.Action is HelpAction)
{
    // Written out once the defaults read as the settings show them (modes in octal).
    var help = new StringWriter();
    var code = parsed.Invoke(new InvocationConfiguration { Output = help });
    Console.Out.Write(commandLine.FixHelp(help.ToString()));
    return code;
}

// No termination handling from the parser: the master handles every signal itself.
return parsed.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });

// HUP: the same command line and config file, read again with the environment as it is now, from
// the directory the command started in (by its path: the folder there now, which a deploy may have
// replaced).
(ServerConfig? Config, IReadOnlyList<string> Errors) Reread()
{
    try
    {
        Directory.SetCurrentDirectory(startDirectory);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        return (null, [$"the directory gunicornet started in, {startDirectory}, cannot be entered: {e.Message}"]);
    }

    var (config, errors) = CommandLine.Read(args, CurrentEnvironment(), Path.GetFullPath(DefaultConfigFile));
    return (config, errors);
}

static Dictionary<string, string?> CurrentEnvironment() => Environment.GetEnvironmentVariables()
    .Cast<DictionaryEntry>()
    .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);

static int UsageError(IEnumerable<string> errors)
{
    var list = errors.ToList();

    // An unknown option standing where APP goes pushes APP out, which the parser reports as a
    // second error; the first is the one that says what is wrong.
    if (list.Any(e => e.StartsWith("Unrecognized option", StringComparison.Ordinal)))
    {
        list.RemoveAll(e => e.StartsWith("Unrecognized command or argument", StringComparison.Ordinal));
    }

    foreach (var error in list)
    {
        Console.Error.WriteLine($"gunicornet: error: {UsageErrors.Describe(error)}");
    }

    return ExitCodes.Usage;
}
