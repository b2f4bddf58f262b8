using System.CommandLine;
using System.CommandLine.Parsing;

namespace Gunicornet.Config;

/// <summary>
/// One server setting, declared once: its name (gunicorn's), section, flags, default, validation and
/// help. The command line is generated from these declarations.
/// </summary>
internal abstract partial class Setting
{
    protected Setting(string name, string section, string[] flags, string help)
    {
        Name = name;
        Section = section;
        Flags = flags;
        Help = help;
    }

    /// <summary>The setting's name, as in gunicorn's settings (e.g. <c>graceful_timeout</c>).</summary>
    public string Name { get; }

    /// <summary>The section of the docs it belongs to (e.g. "Server Socket").</summary>
    public string Section { get; }

    /// <summary>Long flag first, then short ones.</summary>
    public string[] Flags { get; }

    /// <summary>One paragraph of help; the first sentence is the CLI summary.</summary>
    public string Help { get; }

    /// <summary>Returns why a config file's value for this setting is not acceptable, or null.</summary>
    public abstract string? CheckFileValue(System.Text.Json.JsonElement value);

    /// <summary>The value <paramref name="result"/> gives <paramref name="option"/>, as a config file would hold it.</summary>
    public abstract System.Text.Json.JsonElement ValueAsJson(ParseResult result, Option option);

    /// <summary>The value <paramref name="result"/> gives <paramref name="option"/>, as a Python literal (for --print-config).</summary>
    public abstract string ValueAsPython(ParseResult result, Option option);

    /// <summary>The help's first sentence: up to the first full stop that ends one (not e.g.'s or i.e.'s).</summary>
    internal static string Summary(string help) => SentenceEnd().Split(help, 2)[0].TrimEnd('.') + ".";

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<!\be\.g|\bi\.e)\. ")]
    private static partial System.Text.RegularExpressions.Regex SentenceEnd();

    /// <summary>The default as the help shows it, when the setting shows its values its own way (modes in octal); null for the usual.</summary>
    public abstract string? DisplayDefault(IReadOnlyDictionary<string, string?> environment);

    /// <summary>Creates the command-line option for this setting; a config file's value replaces the default.</summary>
    public abstract Option CreateOption(IReadOnlyDictionary<string, string?> environment, IReadOnlyDictionary<string, System.Text.Json.JsonElement> file);
}

/// <summary>A setting whose value is of type <typeparamref name="T"/>.</summary>
internal sealed class Setting<T> : Setting
{
    private readonly Func<IReadOnlyDictionary<string, string?>, T> _default;
    private readonly Func<T, string?>? _validate;
    private readonly Func<string, T>? _parse;

    public Setting(
        string name,
        string section,
        string[] flags,
        string help,
        Func<IReadOnlyDictionary<string, string?>, T> defaultValue,
        Func<T, string?>? validate = null,
        string? metaVar = null,
        Func<string, T>? parse = null,
        Func<T, string>? display = null)
        : base(name, section, flags, help)
    {
        _default = defaultValue;
        _validate = validate;
        _parse = parse ?? DefaultParser();
        _display = display;
        MetaVar = metaVar;
    }

    private readonly Func<T, string>? _display;

    /// <summary>
    /// How the command line reads a number: as a whole number, with a message that says so (the
    /// parser's own names the .NET type).
    /// </summary>
    private Func<string, T>? DefaultParser() => typeof(T) == typeof(int)
        ? text => int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? (T)(object)number
            : throw new FormatException($"'{text}' is not a whole number")
        : null;

    /// <summary>The placeholder shown in help (e.g. <c>ADDRESS</c>).</summary>
    public string? MetaVar { get; }

    /// <summary>The default value, given the process environment (e.g. <c>PORT</c>, <c>WEB_CONCURRENCY</c>).</summary>
    public T DefaultValue(IReadOnlyDictionary<string, string?> environment) => _default(environment);

    /// <summary>Returns an error message when <paramref name="value"/> is not acceptable, otherwise null.</summary>
    public string? Validate(T value) => _validate?.Invoke(value);

    /// <inheritdoc />
    public override string? CheckFileValue(System.Text.Json.JsonElement value)
    {
        try
        {
            return Validate(FromFile(value));
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// A config file's value as the setting's type: a string goes through the setting's own parser
    /// when it has one (<c>umask = "0o22"</c>), as on the command line.
    /// </summary>
    private T FromFile(System.Text.Json.JsonElement value) =>
        _parse is not null && value.ValueKind == System.Text.Json.JsonValueKind.String
            ? _parse(value.GetString()!)
            : ConfigFile.Convert<T>(value);

    /// <inheritdoc />
    public override System.Text.Json.JsonElement ValueAsJson(ParseResult result, Option option) =>
        System.Text.Json.JsonSerializer.SerializeToElement(result.GetValue((Option<T>)option));

    /// <inheritdoc />
    public override string ValueAsPython(ParseResult result, Option option) =>
        result.GetValue((Option<T>)option) is var value && _display is not null && value is not null ? _display(value) : Python(value);

    /// <inheritdoc />
    public override string? DisplayDefault(IReadOnlyDictionary<string, string?> environment) => _display is null ? null : _display(_default(environment));

    private static string Python(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        string s => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'",
        System.Collections.IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Python)) + "]",
        _ => value.ToString() ?? "None",
    };

    /// <inheritdoc />
    public override Option CreateOption(IReadOnlyDictionary<string, string?> environment, IReadOnlyDictionary<string, System.Text.Json.JsonElement> file)
    {
        var fromFile = file.TryGetValue(Name, out var value);
        var option = new Option<T>(Flags[0], Flags[1..])
        {
            Description = Summary(Help),
            HelpName = MetaVar,
            DefaultValueFactory = _ => fromFile ? FromFile(value) : _default(environment),
        };
        if (_parse is { } parse)
        {
            option.CustomParser = result =>
            {
                try
                {
                    return parse(result.Tokens.Single().Value);
                }
                catch (FormatException e)
                {
                    result.AddError($"{Flags[0]}: {e.Message}");
                    return default;
                }
            };
        }

        if (typeof(T) != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(typeof(T)))
        {
            // Repeatable, as in gunicorn: -b A -b B.
            option.AllowMultipleArgumentsPerToken = false;
        }

        option.Validators.Add(result => ValidateResult(result, option));
        return option;
    }

    private void ValidateResult(OptionResult result, Option<T> option)
    {
        if (result.Implicit || result.Errors.Any())
        {
            return;
        }

        T value;
        try
        {
            value = result.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            // Not convertible: the parser reports that error itself.
            return;
        }

        if (Validate(value) is { } error)
        {
            result.AddError($"{option.Name}: {error}");
        }
    }
}
