using System.Globalization;
using System.Text.Json;

namespace Raindrop.ConformanceDriver;

/// <summary>A step's arguments are wrong (missing, wrong type, unknown enum value): the driver exits 1.</summary>
internal sealed class StepArgumentException(string message) : Exception(message);

/// <summary>
/// Typed access to one step's argument object. In args <c>null</c> means absent and unknown keys are ignored
/// (so <c>max_ms</c>, reserved for the harness, is simply never read).
/// </summary>
internal readonly struct JsonArgs
{
    private readonly JsonElement _args;

    public JsonArgs(string step, JsonElement args)
    {
        Step = step;
        _args = args;
    }

    public string Step { get; }

    public string Required(string name) =>
        Optional(name) ?? throw Missing(name);

    public string? Optional(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong(name, "a string", value);
    }

    public int RequiredInt(string name) => OptionalInt(name) ?? throw Missing(name);

    public int? OptionalInt(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : throw Wrong(name, "an integer", value);
    }

    public long? OptionalLong(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : throw Wrong(name, "an integer", value);
    }

    public double RequiredDouble(string name) => OptionalDouble(name) ?? throw Missing(name);

    public double? OptionalDouble(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Wrong(name, "a number", value);
    }

    public TimeSpan? OptionalMilliseconds(string name) =>
        OptionalDouble(name) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    public bool? OptionalBool(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "a boolean", value),
        };
    }

    public DateTimeOffset? OptionalTimestamp(string name)
    {
        var text = Optional(name);
        if (text is null)
        {
            return null;
        }

        try
        {
            return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }
        catch (FormatException)
        {
            throw new StepArgumentException($"{Step}: '{name}' is not an RFC 3339 timestamp: '{text}'.");
        }
    }

    // A string with an escaped lone surrogate cannot become a .NET string through GetString: it stays JSON.
    private static object? StringOrJson(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return value.Clone();
        }
    }

    /// <summary>
    /// A JSON object as the SDK's property dictionary: strings and booleans as the .NET values an app passes, other
    /// values as <see cref="JsonElement"/>s cloned to outlive the stdin document (the SDK writes them verbatim, so
    /// numbers stay exact).
    /// </summary>
    public Dictionary<string, object?>? OptionalObject(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Wrong(name, "an object", value);
        }

        // Strings and booleans become the .NET values an app would pass; numbers, objects and arrays stay JSON
        // (cloned), so a number keeps its exact text.
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => StringOrJson(property.Value),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Null => null,
                _ => property.Value.Clone(),
            };
        }

        return result;
    }

    /// <summary>Any JSON value, cloned (tool inputs and outputs of the tracing steps).</summary>
    /// <summary>A list of nested argument objects (e.g. <c>with_span</c>'s <c>tools</c>); empty when absent.</summary>
    public IReadOnlyList<JsonArgs> OptionalArgsList(string name)
    {
        if (!TryGet(name, out var value))
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new StepArgumentException($"{Step}: '{name}' must be an array.");
        }

        var step = Step == "with_span" ? "with_tool" : Step;
        return value.EnumerateArray().Select(e => new JsonArgs(step, e.Clone())).ToList();
    }

    /// <summary>A string or number argument as text (e.g. a tool <c>version</c>).</summary>
    public string? OptionalScalarText(string name) =>
        TryGet(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;

    public JsonElement? OptionalJson(string name) => TryGet(name, out var value) ? value.Clone() : null;

    /// <summary>A list of <c>{type, role, value, name?, language?, attachment_id?}</c> as SDK attachments.</summary>
    public IReadOnlyList<Attachment>? OptionalAttachments(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Wrong(name, "an array", value);
        }

        var result = new List<Attachment>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Wrong(name + "[]", "an object", item);
            }

            var a = new JsonArgs(Step + "." + name, item);
            result.Add(new Attachment
            {
                Type = ParseAttachmentType(a.Required("type")),
                Role = ParseAttachmentRole(a.Required("role")),
                Value = a.Required("value"),
                Name = a.Optional("name"),
                Language = a.Optional("language"),
                AttachmentId = a.Optional("attachment_id"),
            });
        }

        return result;
    }

    public SignalType? OptionalSignalType(string name) => Optional(name) switch
    {
        null => null,
        "default" => SignalType.Default,
        "feedback" => SignalType.Feedback,
        "edit" => SignalType.Edit,
        "standard" => SignalType.Standard,
        "agent" => SignalType.Agent,
        "agent_internal" => SignalType.AgentInternal,
        var other => throw new StepArgumentException($"{Step}: unknown {name} '{other}'."),
    };

    public Sentiment? OptionalSentiment(string name) => Optional(name)?.ToUpperInvariant() switch
    {
        null => null,
        "POSITIVE" => Sentiment.Positive,
        "NEGATIVE" => Sentiment.Negative,
        var other => throw new StepArgumentException($"{Step}: unknown {name} '{other}'."),
    };

    private AttachmentType ParseAttachmentType(string text) => text switch
    {
        "code" => AttachmentType.Code,
        "text" => AttachmentType.Text,
        "image" => AttachmentType.Image,
        "iframe" => AttachmentType.Iframe,
        _ => throw new StepArgumentException($"{Step}: unknown attachment type '{text}'."),
    };

    private AttachmentRole ParseAttachmentRole(string text) => text switch
    {
        "input" => AttachmentRole.Input,
        "output" => AttachmentRole.Output,
        _ => throw new StepArgumentException($"{Step}: unknown attachment role '{text}'."),
    };

    private bool TryGet(string name, out JsonElement value)
    {
        if (_args.ValueKind == JsonValueKind.Object && _args.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    private StepArgumentException Missing(string name) => new($"{Step}: missing required argument '{name}'.");

    private StepArgumentException Wrong(string name, string expected, JsonElement value) =>
        new($"{Step}: '{name}' must be {expected}, got {value.ValueKind}.");
}
