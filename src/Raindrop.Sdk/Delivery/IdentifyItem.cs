using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>A user's traits for <c>users/identify</c>: <c>{"user_id", "traits"}</c>.</summary>
internal sealed class IdentifyItem(string userId, KeyValuePair<string, object?>[]? traitsCopy)
    : QueuedItem(SizeEstimator.Clamp(48 + userId.Length + SizeEstimator.Estimate(traitsCopy)))
{
    private readonly string _userId = userId;
    private readonly KeyValuePair<string, object?>[]? _traits = traitsCopy;

    public override void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode)
    {
        writer.WriteStartObject();
        writer.WriteString("user_id", TextLimits.SanitizeSurrogates(_userId));
        writer.WritePropertyName("traits");
        JsonValueWriter.WriteObject(writer, mode == WriteMode.Full ? _traits : null, stringCap);
        writer.WriteEndObject();
    }
}
