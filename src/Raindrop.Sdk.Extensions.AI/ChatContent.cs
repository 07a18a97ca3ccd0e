using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>Turns chat messages, tool arguments and tool results into the plain text Raindrop records. Never throws.</summary>
internal static class ChatContent
{
    /// <summary>The text of the last user message, or null when there is none.</summary>
    public static string? LastUserText(IEnumerable<ChatMessage> messages)
    {
        ChatMessage? last = null;
        if (messages is IList<ChatMessage> list)
        {
            // From the end, by index: no enumerator, and only the one text that is used.
            for (var i = list.Count - 1; i >= 0 && last is null; i--)
            {
                last = list[i] is { } message && message.Role == ChatRole.User ? message : null;
            }
        }
        else
        {
            foreach (var message in messages)
            {
                if (message is not null && message.Role == ChatRole.User)
                {
                    last = message;
                }
            }
        }

        return last is null ? null : NullIfEmpty(Text(last));
    }

    /// <summary>A message as one text: its text parts, or a short form of its tool calls and results.</summary>
    public static string Text(ChatMessage message)
    {
        var text = message.Text;
        if (!string.IsNullOrEmpty(text))
        {
            return text;
        }

        var builder = new StringBuilder();
        var contents = message.Contents;
        for (var i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case FunctionCallContent call:
                    Separate(builder).Append(call.Name).Append('(').Append(Json(call.Arguments)).Append(')');
                    break;
                case FunctionResultContent result:
                    Separate(builder).Append(Json(result.Result));
                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>A tool's arguments or result as JSON text (a string as it is); a value that cannot be serialized becomes its <c>ToString()</c>.</summary>
    public static string? Json(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case string s:
                return s;
            case JsonElement element:
                return element.GetRawText();
        }

        try
        {
            var type = value is IDictionary<string, object?> ? typeof(IDictionary<string, object?>) : value.GetType();
            return JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(type));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException or JsonException)
        {
            return value.ToString();
        }
    }

    /// <summary>Null for null or empty text.</summary>
    public static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static StringBuilder Separate(StringBuilder builder) => builder.Length == 0 ? builder : builder.Append('\n');
}
