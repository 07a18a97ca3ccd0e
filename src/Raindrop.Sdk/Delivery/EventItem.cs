using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>
/// An event for <c>events/track</c> (<c>isPending</c> null) or one <c>events/track_partial</c> update. Fields are
/// already validated, redacted and capped; null fields are left out of the JSON.
/// </summary>
internal sealed class EventItem(
    string eventId,
    string? userId,
    string? eventName,
    DateTimeOffset? timestamp,
    PropertyBag properties,
    IReadOnlyList<Attachment>? attachments,
    string? input,
    string? output,
    string? model,
    string? convoId,
    bool? isPending) : QueuedItem(SizeEstimator.Clamp(160 + eventId.Length + SizeEstimator.Estimate(userId) + SizeEstimator.Estimate(eventName)
        + properties.EstimateSize() + SizeEstimator.Estimate(attachments) + SizeEstimator.Estimate(input) + SizeEstimator.Estimate(output)
        + SizeEstimator.Estimate(model) + SizeEstimator.Estimate(convoId)))
{
    private const int BulkBudgetBytes = 512 * 1024;
    private const long NoTimestamp = -1;

    private readonly string _eventId = eventId;
    private readonly string? _userId = userId;
    private readonly string? _eventName = eventName;
    private readonly long _utcTicks = timestamp?.UtcTicks ?? NoTimestamp; // the wire carries UTC only: 8 bytes, not 24
    private readonly PropertyBag _properties = properties;
    private readonly IReadOnlyList<Attachment>? _attachments = attachments;
    private readonly string? _input = input;
    private readonly string? _output = output;
    private readonly string? _model = model;
    private readonly string? _convoId = convoId;
    private readonly bool? _isPending = isPending;

    public override string? OrderKey => _isPending is null ? null : _eventId;

    public override void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode)
    {
        writer.WriteStartObject();
        writer.WriteString("event_id", _eventId);
        WriteOptional(writer, "event", _eventName);
        WriteOptional(writer, "user_id", _userId);
        if (_utcTicks != NoTimestamp)
        {
            WireFormat.WriteTimestamp(writer, "timestamp", new DateTimeOffset(_utcTicks, TimeSpan.Zero));
        }

        writer.WritePropertyName("properties");
        writer.WriteStartObject();
        var hasContext = false;
        var count = _properties.Count;
        if (count > 0 && mode == WriteMode.Bare)
        {
            writer.WriteString("$raindrop_truncated", $"{count} properties left out: one of them could not be serialized");
        }
        else
        {
            for (var written = 0; written < count; written++)
            {
                // Last resort for an event still over the limit with every string cut: keep what fits in half the body.
                if (mode == WriteMode.Budgeted && writer.BytesCommitted + writer.BytesPending > BulkBudgetBytes)
                {
                    writer.WriteString("$raindrop_truncated", $"{count - written} of {count} properties left out: the event was over the 1 MiB limit");
                    break;
                }

                var (key, value) = _properties[written];
                if (key == WireContext.ContextKey)
                {
                    WireContext.WriteMerged(writer, value, stringCap); // the app's keys kept, library and metadata the SDK's
                    hasContext = true;
                    continue;
                }

                writer.WritePropertyName(TextLimits.Key(key));
                if (mode == WriteMode.Budgeted && SizeEstimator.Estimate(value) is var size && size > BulkBudgetBytes - (writer.BytesCommitted + writer.BytesPending))
                {
                    // One value too big for what is left (a million-element array) is described, so its siblings are sent.
                    writer.WriteStringValue($"[too large: about {size} bytes, left out to fit the 1 MiB limit]");
                }
                else
                {
                    JsonValueWriter.WriteValue(writer, value, stringCap, 2);
                }
            }
        }

        if (!hasContext)
        {
            writer.WritePropertyName(WireContext.ContextKey);
            writer.WriteRawValue(context.ContextJson, skipInputValidation: true);
        }

        writer.WriteEndObject();
        AttachmentWriter.Write(writer, _attachments, mode == WriteMode.Full ? stringCap : 64);
        if (_input is not null || _output is not null || _model is not null || _convoId is not null)
        {
            writer.WriteStartObject("ai_data");
            WriteCapped(writer, "model", _model, stringCap);
            WriteCapped(writer, "input", _input, stringCap);
            WriteCapped(writer, "output", _output, stringCap);
            WriteCapped(writer, "convo_id", _convoId, stringCap);
            writer.WriteEndObject();
        }

        if (_isPending is { } pending)
        {
            writer.WriteBoolean("is_pending", pending);
        }

        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, TextLimits.SanitizeSurrogates(value));
        }
    }

    private static void WriteCapped(Utf8JsonWriter writer, string name, string? value, int stringCap)
    {
        if (value is not null)
        {
            writer.WritePropertyName(name);
            JsonValueWriter.WriteString(writer, value, stringCap);
        }
    }
}
