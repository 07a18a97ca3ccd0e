using System.Text.Json;

namespace Raindrop.Serialization;

/// <summary>Writes the <c>attachments</c> array: always present, optional keys only when set.</summary>
internal static class AttachmentWriter
{
    public static void Write(Utf8JsonWriter writer, IReadOnlyList<Attachment>? attachments, int stringCap)
    {
        writer.WriteStartArray("attachments");
        if (attachments is not null)
        {
            foreach (var a in attachments)
            {
                writer.WriteStartObject();
                writer.WriteString("type", WireNames.Of(a.Type));
                writer.WriteString("role", WireNames.Of(a.Role));
                if (a.Name is not null)
                {
                    writer.WriteString("name", TextLimits.SanitizeSurrogates(a.Name));
                }

                writer.WritePropertyName("value");
                JsonValueWriter.WriteString(writer, a.Value, stringCap);
                if (a.Language is not null)
                {
                    writer.WriteString("language", TextLimits.SanitizeSurrogates(a.Language));
                }

                if (a.AttachmentId is not null)
                {
                    writer.WriteString("attachment_id", TextLimits.SanitizeSurrogates(a.AttachmentId));
                }

                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
    }
}
