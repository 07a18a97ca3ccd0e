using System.Text.Json;

namespace Raindrop.Serialization;

/// <summary>What every item of one client carries: the <c>$context</c> property (written once, reused as raw JSON).</summary>
internal sealed class WireContext
{
    public WireContext()
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

        ContextJson = stream.ToArray();
    }

    public const string ContextKey = "$context";

    public byte[] ContextJson { get; }
}
