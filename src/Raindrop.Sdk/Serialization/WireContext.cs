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

    private byte[] Write()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WireFormat.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("library");
            writer.WriteString("name", SdkInfo.Name);
            writer.WriteString("version", SdkInfo.Version);
            writer.WriteEndObject();
            writer.WriteStartObject("metadata");
            writer.WriteString("dotnet", Environment.Version.ToString());
            writer.WriteString("os", SdkInfo.OsName);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        // Two threads may both write it: the same bytes, and the first one stays.
        return Interlocked.CompareExchange(ref _json, stream.ToArray(), null) ?? _json!;
    }
}
