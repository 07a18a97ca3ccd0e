using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>A user's traits for <c>users/identify</c>: <c>{"user_id", "traits"}</c>.</summary>
internal sealed class IdentifyItem : QueuedItem
{
    private readonly string _userId;
    private readonly KeyValuePair<string, object?>[]? _traits;

    public IdentifyItem(string userId, KeyValuePair<string, object?>[]? traitsCopy)
    {
        _userId = userId;
        _traits = traitsCopy;
        EstimatedBytes = SizeEstimator.Clamp(48 + userId.Length + SizeEstimator.Estimate(traitsCopy));
    }

    public override void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode)
    {
        writer.WriteStartObject();
        writer.WriteString("user_id", TextLimits.SanitizeSurrogates(_userId));
        writer.WritePropertyName("traits");
        JsonValueWriter.WriteObject(writer, mode == WriteMode.Full ? _traits : null, stringCap);
        writer.WriteEndObject();
    }
}
