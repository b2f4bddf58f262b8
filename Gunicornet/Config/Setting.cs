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

    /// <summary>The environment variable the default comes from, if any, named when its value is refused.</summary>
    public string? EnvironmentVariable { get; init; }

    /// <summary>How a relative path in the value is read; <see cref="PathBase.None"/> for a value that is no path.</summary>
    public PathBase Paths { get; init; }

    /// <summary>An action of the command (<c>--check-config</c>), not a setting of the server: <c>--print-config</c> leaves it out.</summary>
    public bool IsAction { get; init; }

    /// <summary>For a flag whose value may be left out (<c>--proxy-protocol</c>), the value it has alone; else null.</summary>
    public virtual string? BareText => null;

    /// <summary>Whether a command-line token is a value of this setting (else, after a flag that may stand alone, it is the next argument).</summary>
    public virtual bool IsValue(string token) => true;

    /// <summary>Returns why a config file's value for this setting is not acceptable, or null.</summary>
    public abstract string? CheckFileValue(System.Text.Json.JsonElement value);

    /// <summary>The value <paramref name="result"/> gives <paramref name="option"/>, boxed; throws <see cref="FormatException"/> for a config file's value of the wrong kind.</summary>
    public abstract object? Read(ParseResult result, Option option);

    /// <summary>Returns why <paramref name="value"/> (of the setting's type) is not acceptable, or null.</summary>
    public abstract string? Check(object? value);

    /// <summary>The default, given the process environment, boxed.</summary>
    public abstract object? Default(IReadOnlyDictionary<string, string?> environment);

    /// <summary>A value of the setting, as a config file holds it (JSON).</summary>
    public abstract System.Text.Json.JsonElement ToJson(object? value);

    /// <summary>A config file's (or a worker spec's) JSON value as the setting's type, boxed.</summary>
    /// <exception cref="FormatException">Not a value of the setting's type.</exception>
    public abstract object? FromJson(System.Text.Json.JsonElement value);

    /// <summary>A value of the setting as a Python literal (for --print-config), in the setting's own notation (modes in octal).</summary>
    public abstract string ToPython(object? value);

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

    /// <summary>
    /// For a flag whose value may be left out: what the flag alone means (<c>--proxy-protocol</c> is
    /// <c>auto</c>), and what a config file's <c>True</c> means; its <c>False</c> is <see cref="FalseValue"/>.
    /// </summary>
    public T? BareValue
    {
        get => _bare;
        init
        {
            _bare = value;
            _hasBare = true;
        }
    }

    /// <summary>A config file's <c>False</c>, for a setting with a <see cref="BareValue"/>.</summary>
    public T? FalseValue { get; init; }

    private readonly T? _bare;
    private readonly bool _hasBare;

    /// <inheritdoc />
    public override string? BareText => _hasBare ? _bare?.ToString() : null;

    /// <inheritdoc />
    public override bool IsValue(string token)
    {
        try
        {
            return _parse is null || Validate(_parse(token)) is null;
        }
        catch (FormatException)
        {
            return false;
        }
    }

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
    private T FromFile(System.Text.Json.JsonElement value) => value.ValueKind switch
    {
        System.Text.Json.JsonValueKind.String when _parse is not null => _parse(value.GetString()!),
        System.Text.Json.JsonValueKind.True when _hasBare => BareValue!,
        System.Text.Json.JsonValueKind.False when _hasBare => FalseValue!,
        _ => Convert(value),
    };

    /// <inheritdoc />
    public override object? Read(ParseResult result, Option option) => result.GetValue((Option<T>)option);

    /// <inheritdoc />
    public override string? Check(object? value) => Validate((T)value!);

    /// <inheritdoc />
    public override object? Default(IReadOnlyDictionary<string, string?> environment) => _default(environment);

    /// <inheritdoc />
    public override System.Text.Json.JsonElement ToJson(object? value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            JsonValues.Write(writer, value);
        }

        using var document = System.Text.Json.JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    /// <inheritdoc />
    public override object? FromJson(System.Text.Json.JsonElement value) =>
        value.ValueKind == System.Text.Json.JsonValueKind.Null ? null : Convert(value);

    /// <inheritdoc />
    public override string ToPython(object? value) => _display is not null && value is T typed ? _display(typed) : Python(value);

    /// <inheritdoc />
    public override string? DisplayDefault(IReadOnlyDictionary<string, string?> environment) => _display is null ? null : _display(_default(environment));

    /// <summary>Converts one JSON value to the setting's type; throws <see cref="FormatException"/> naming what was expected.</summary>
    public static T Convert(System.Text.Json.JsonElement value)
    {
        object? converted = typeof(T) switch
        {
            var t when (t == typeof(int) || t == typeof(int?)) && value.ValueKind == System.Text.Json.JsonValueKind.Number && value.TryGetInt32(out var i) => i,
            var t when t == typeof(bool) && value.ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => value.GetBoolean(),
            var t when t == typeof(string) && value.ValueKind == System.Text.Json.JsonValueKind.String => value.GetString(),
            var t when t == typeof(string[]) && value.ValueKind == System.Text.Json.JsonValueKind.String => new[] { value.GetString()! },
            var t when t == typeof(string[]) && value.ValueKind == System.Text.Json.JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == System.Text.Json.JsonValueKind.String)
                => value.EnumerateArray().Select(e => e.GetString()!).ToArray(),

            // A dict ({"X-FORWARDED-PROTO": "https"}) as KEY=VALUE entries, as the command line gives them.
            var t when t == typeof(string[]) && value.ValueKind == System.Text.Json.JsonValueKind.Object && value.EnumerateObject().All(p => p.Value.ValueKind == System.Text.Json.JsonValueKind.String)
                => value.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()).ToArray(),
            _ => throw new FormatException($"expected {Describe(typeof(T))}, got {value.GetRawText()}"),
        };
        return (T)converted!;
    }

    private static string Describe(Type type) =>
        type == typeof(int) ? "a whole number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(string[]) ? "a string, a list of strings or a dict of strings"
        : "a string";

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

/// <summary>How a setting's relative path is read.</summary>
internal enum PathBase
{
    /// <summary>The value is no path.</summary>
    None,

    /// <summary>From the directory the command was started in (checked at parse time: the TLS files).</summary>
    Start,

    /// <summary>From the master's working directory, after --chdir (log files).</summary>
    WorkingDirectory,
}
