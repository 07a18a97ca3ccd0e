using System.Buffers;
using System.Text.Encodings.Web;

namespace Raindrop.Serialization;

/// <summary>
/// Escapes only what JSON requires (<c>"</c>, <c>\</c> and control characters below U+0020), so any other
/// Unicode text (emoji, RTL, U+2028) goes on the wire as the same UTF-8 bytes the caller gave.
/// The built-in encoders escape non-ASCII or supplementary characters as <c>\uXXXX</c>.
/// </summary>
internal sealed class MinimalJsonEncoder : JavaScriptEncoder
{
    public static readonly MinimalJsonEncoder Instance = new();

    // Vectorized searches for the characters JSON requires escaped.
    private static readonly SearchValues<char> CharsToEscape = SearchValues.Create(EscapedChars());
    private static readonly SearchValues<byte> BytesToEscape = SearchValues.Create(Escaped());

    private MinimalJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 12; // a surrogate pair as two \uXXXX

    public override bool WillEncode(int unicodeScalar) => unicodeScalar < 0x20 || unicodeScalar == '"' || unicodeScalar == '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        return new ReadOnlySpan<char>(text, textLength).IndexOfAny(CharsToEscape);
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text) => utf8Text.IndexOfAny(BytesToEscape);

    private static byte[] Escaped()
    {
        var bytes = new byte[0x22];
        for (var i = 0; i < 0x20; i++)
        {
            bytes[i] = (byte)i;
        }

        bytes[0x20] = (byte)'"';
        bytes[0x21] = (byte)'\\';
        return bytes;
    }

    // A loop, not LINQ: this runs while a client is built, where a generic LINQ instantiation costs milliseconds of JIT.
    private static char[] EscapedChars()
    {
        var bytes = Escaped();
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = (char)bytes[i];
        }

        return chars;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        // Utf8JsonWriter writes the common escapes (\n, \t, \", \\) itself; anything it hands here gets \uXXXX.
        if (bufferLength < 6)
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        const string Hex = "0123456789ABCDEF";
        buffer[0] = '\\';
        buffer[1] = 'u';
        buffer[2] = Hex[(unicodeScalar >> 12) & 0xF];
        buffer[3] = Hex[(unicodeScalar >> 8) & 0xF];
        buffer[4] = Hex[(unicodeScalar >> 4) & 0xF];
        buffer[5] = Hex[unicodeScalar & 0xF];
        numberOfCharactersWritten = 6;
        return true;
    }
}
