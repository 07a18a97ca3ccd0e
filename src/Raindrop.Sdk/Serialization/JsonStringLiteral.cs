using System.Globalization;
using System.Text;

namespace Raindrop.Serialization;

/// <summary>
/// Decodes a raw JSON string literal (<c>"..."</c>, escapes included) into text, for the one case
/// <see cref="System.Text.Json.JsonElement"/> refuses: an escaped lone surrogate (<c>"\uDC00"</c>), which is valid
/// JSON but not valid UTF-16. The result goes through <see cref="TextLimits.SanitizeSurrogates"/> afterwards.
/// </summary>
internal static class JsonStringLiteral
{
    /// <summary>Decodes the literal starting at <paramref name="raw"/>[0] (which must be a quote).</summary>
    public static string Decode(string raw)
    {
        var builder = new StringBuilder(raw.Length);
        for (var i = 1; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '"')
            {
                break;
            }

            if (c != '\\' || i + 1 >= raw.Length)
            {
                builder.Append(c);
                continue;
            }

            var e = raw[++i];
            switch (e)
            {
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u' when i + 4 < raw.Length && ushort.TryParse(raw.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var unit):
                    builder.Append((char)unit);
                    i += 4;
                    break;
                default: builder.Append(e); break; // \" \\ \/
            }
        }

        return TextLimits.SanitizeSurrogates(builder.ToString());
    }
}
