using System.Text.Json;

namespace Gunicornet.Config;

/// <summary>The plain values a setting or a worker spec holds, written as JSON (and nothing else).</summary>
internal static class JsonValues
{
    /// <summary>Writes <paramref name="value"/>: null, a string, a number, true/false, or an array of strings or numbers.</summary>
    /// <exception cref="InvalidOperationException">A value of another type.</exception>
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case int number:
                writer.WriteNumberValue(number);
                break;
            case uint number:
                writer.WriteNumberValue(number);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int[] numbers:
                writer.WriteStartArray();
                Array.ForEach(numbers, writer.WriteNumberValue);
                writer.WriteEndArray();
                break;
            case string[] texts:
                writer.WriteStartArray();
                Array.ForEach(texts, writer.WriteStringValue);
                writer.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"a {value.GetType().Name} has no JSON form here");
        }
    }
}
