using System.Collections;
using System.CommandLine;
using System.CommandLine.Help;
using Gunicornet;
using Gunicornet.Config;
using Gunicornet.Master;
using Gunicornet.Worker;

if (args is [SelfCommand.WorkerVerb, ..])
{
    return WorkerMain.Run();
}

var environment = Environment.GetEnvironmentVariables()
    .Cast<DictionaryEntry>()
    .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
var commandLine = new CommandLine(environment);
commandLine.Root.SetAction(result =>
{
    var errors = new List<string>();
    var config = commandLine.ToConfig(result, errors);
    return errors.Count > 0 ? UsageError(errors) : MasterProcess.Run(config);
});

var parsed = commandLine.Parse(args);
if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
{
    return UsageError(parsed.Errors.Select(e => e.Message));
}

// No termination handling from the parser: the master handles every signal itself.
return parsed.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });

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
        Console.Error.WriteLine($"gunicornet: error: {error} (see gunicornet --help)");
    }

    return ExitCodes.Usage;
}
