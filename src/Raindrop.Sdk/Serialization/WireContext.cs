using System.Text.Json;

namespace Raindrop.Serialization;

/// <summary>What every item of one client carries: the <c>$context</c> property (written once, reused as raw JSON).</summary>
internal sealed class WireContext
{
    private byte[]? _json;

    public const string ContextKey = "$context";

    /// <summary>
    /// The <c>$context</c> object as UTF-8 JSON, written on first use: that is on the delivery thread with the first
    /// batch, not in the client's constructor (the JSON writer's first use costs milliseconds of start-up).
    /// </summary>
    public byte[] ContextJson => Volatile.Read(ref _json) ?? Write();

    /// <summary>
    /// Writes <c>$context</c> for an event whose app set a property of that name (WIRE.md §2): the app's members are
    /// kept, and <c>library</c> and <c>metadata</c> are always the SDK's. A value that is not an object is replaced.
    /// </summary>
    public static void WriteMerged(Utf8JsonWriter writer, object? appValue, int stringCap)
    {
        writer.WritePropertyName(ContextKey);
        writer.WriteStartObject();
        switch (appValue)
        {
            case IEnumerable<KeyValuePair<string, object?>> members:
                foreach (var (key, value) in members)
                {
                    if (key is not ("library" or "metadata"))
                    {
                        writer.WritePropertyName(TextLimits.Key(key));
                        JsonValueWriter.WriteValue(writer, value, stringCap, 3);
                    }
                }

                break;
            case JsonElement { ValueKind: JsonValueKind.Object } element:
                foreach (var member in element.EnumerateObject())
                {
                    if (member.Name is not ("library" or "metadata"))
                    {
                        writer.WritePropertyName(TextLimits.Key(member.Name));
                        JsonValueWriter.WriteValue(writer, member.Value, stringCap, 3);
                    }
                }

                break;
        }

        WriteSdkMembers(writer);
        writer.WriteEndObject();
    }

    private static void WriteSdkMembers(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("library");
        writer.WriteString("name", SdkInfo.Name);
        writer.WriteString("version", SdkInfo.Version);
        writer.WriteEndObject();
        writer.WriteStartObject("metadata");
        writer.WriteString("dotnet", Environment.Version.ToString());
        writer.WriteString("os", SdkInfo.OsName);
        writer.WriteEndObject();
    }

    private byte[] Write()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WireFormat.WriterOptions))
        {
            writer.WriteStartObject();
            WriteSdkMembers(writer);
            writer.WriteEndObject();
        }

        // Two threads may both write it: the same bytes, and the first one stays.
        return Interlocked.CompareExchange(ref _json, stream.ToArray(), null) ?? _json!;
    }
}
