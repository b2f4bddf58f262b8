namespace Gunicornet.Ipc;

/// <summary>
/// The APP argument, <c>PATH/TO/Assembly.dll[:Namespace.Type]</c>: gunicorn's <c>module:variable</c>.
/// </summary>
internal sealed record AppSpec(string AssemblyPath, string? TypeName)
{
    /// <summary>Splits APP at its last ':' when that comes after the last '/'.</summary>
    public static AppSpec Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon > 0 && colon > text.LastIndexOf('/'))
        {
            var type = text[(colon + 1)..].Trim();
            return new AppSpec(text[..colon], type.Length == 0 ? null : type);
        }

        return new AppSpec(text, null);
    }

    /// <summary>The assembly's file name, for messages.</summary>
    public string FileName => Path.GetFileName(AssemblyPath);

    /// <inheritdoc />
    public override string ToString() => TypeName is null ? AssemblyPath : $"{AssemblyPath}:{TypeName}";
}
