using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>A signal for <c>signals/track</c>; <c>comment</c> and <c>after</c> go inside <c>properties</c>.</summary>
internal sealed class SignalItem(Signal signal, KeyValuePair<string, object?>[]? propertiesCopy) : QueuedItem(SizeEstimator.Clamp(
    128 + signal.EventId.Length + signal.Name.Length + SizeEstimator.Estimate(signal.Comment) + SizeEstimator.Estimate(signal.After) + SizeEstimator.Estimate(propertiesCopy)))
{
    private readonly Signal _signal = signal;
    private readonly KeyValuePair<string, object?>[]? _properties = propertiesCopy;

    public override void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode)
    {
        writer.WriteStartObject();
        writer.WriteString("event_id", TextLimits.SanitizeSurrogates(_signal.EventId));
        writer.WriteString("signal_name", TextLimits.SanitizeSurrogates(_signal.Name));
        writer.WriteString("signal_type", WireNames.Of(_signal.Type));
        if (_signal.Sentiment is { } sentiment)
        {
            writer.WriteString("sentiment", WireNames.Of(sentiment));
        }

        if (_signal.Timestamp is { } ts)
        {
            WireFormat.WriteTimestamp(writer, "timestamp", ts);
        }

        if (_signal.AttachmentId is not null)
        {
            writer.WriteString("attachment_id", TextLimits.SanitizeSurrogates(_signal.AttachmentId));
        }

        writer.WritePropertyName("properties");
        writer.WriteStartObject();
        if (_properties is not null && mode == WriteMode.Full)
        {
            foreach (var (key, value) in _properties)
            {
                if (key is "comment" or "after" && (key == "comment" ? _signal.Comment : _signal.After) is not null)
                {
                    continue; // the typed field wins over a same-named property
                }

                writer.WritePropertyName(TextLimits.Key(key));
                JsonValueWriter.WriteValue(writer, value, stringCap, 2);
            }
        }

        if (_signal.Comment is not null)
        {
            writer.WritePropertyName("comment");
            JsonValueWriter.WriteString(writer, _signal.Comment, stringCap);
        }

        if (_signal.After is not null)
        {
            writer.WritePropertyName("after");
            JsonValueWriter.WriteString(writer, _signal.After, stringCap);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
