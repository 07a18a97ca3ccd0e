using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>
/// An event for <c>events/track</c> (<see cref="IsPending"/> null) or one <c>events/track_partial</c> update.
/// Fields are already validated, redacted and capped; null fields are left out of the JSON.
/// </summary>
internal sealed class EventItem : QueuedItem
{
    private const int BulkBudgetBytes = 512 * 1024;

    public EventItem(
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
        bool? isPending)
    {
        EventId = eventId;
        UserId = userId;
        EventName = eventName;
        _utcTicks = timestamp is { } t ? t.UtcTicks : NoTimestamp;
        _properties = properties;
        Attachments = attachments;
        Input = input;
        Output = output;
        Model = model;
        ConvoId = convoId;
        IsPending = isPending;
        EstimatedBytes = SizeEstimator.Clamp(160 + eventId.Length + SizeEstimator.Estimate(userId) + SizeEstimator.Estimate(eventName)
            + properties.EstimateSize() + SizeEstimator.Estimate(attachments) + SizeEstimator.Estimate(input)
            + SizeEstimator.Estimate(output) + SizeEstimator.Estimate(model) + SizeEstimator.Estimate(convoId));
    }

    public string EventId { get; }

    public string? UserId { get; }

    public string? EventName { get; }

    // The wire carries UTC only, so the UTC ticks are the whole timestamp: 8 bytes per queued event instead of a
    // nullable DateTimeOffset's 24 (a deep queue is mostly these objects; see README, Performance).
    private const long NoTimestamp = -1;
    private readonly long _utcTicks;

    public DateTimeOffset? Timestamp => _utcTicks == NoTimestamp ? null : new DateTimeOffset(_utcTicks, TimeSpan.Zero);

    private readonly PropertyBag _properties;

    public IReadOnlyList<Attachment>? Attachments { get; }

    public string? Input { get; }

    public string? Output { get; }

    public string? Model { get; }

    public string? ConvoId { get; }

    public bool? IsPending { get; }

    public override string? OrderKey => IsPending is null ? null : EventId;

    public override void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode)
    {
        writer.WriteStartObject();
        writer.WriteString("event_id", EventId);
        WriteOptional(writer, "event", EventName);
        WriteOptional(writer, "user_id", UserId);
        if (Timestamp is { } ts)
        {
            WireFormat.WriteTimestamp(writer, "timestamp", ts);
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
                // Last resort for an event still over the limit with every string cut: keep what fits in half the
                // body and say how much was left out, rather than lose the event.
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
                    // One value too big for what is left (a million-element array): it alone is described, so its
                    // smaller siblings are still sent.
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

        AttachmentWriter.Write(writer, Attachments, mode == WriteMode.Full ? stringCap : 64);

        if (Input is not null || Output is not null || Model is not null || ConvoId is not null)
        {
            writer.WriteStartObject("ai_data");
            WriteCapped(writer, "model", Model, stringCap);
            WriteCapped(writer, "input", Input, stringCap);
            WriteCapped(writer, "output", Output, stringCap);
            WriteCapped(writer, "convo_id", ConvoId, stringCap);
            writer.WriteEndObject();
        }

        if (IsPending is { } pending)
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
