namespace Raindrop.Serialization;

/// <summary>Cuts text to a length with the truncation marker, never splitting a surrogate pair.</summary>
internal static class TextLimits
{
    public const string Marker = "...[truncated by raindrop]";

    /// <summary>Returns <paramref name="text"/> unchanged when it fits, else exactly <paramref name="maxChars"/> chars ending in the marker.</summary>
    public static string Truncate(string text, int maxChars) =>
        text.Length <= maxChars ? text : Cut(text, maxChars); // small, so it inlines into the calls

    private static string Cut(string text, int maxChars)
    {
        if (maxChars <= Marker.Length)
        {
            return Marker[..Math.Max(0, maxChars)];
        }

        var keep = maxChars - Marker.Length;
        if (char.IsHighSurrogate(text[keep - 1]))
        {
            // Keeping half a pair would send a lone surrogate; drop it and pad so the length stays exact.
            return string.Concat(text.AsSpan(0, keep - 1), " ", Marker);
        }

        return string.Concat(text.AsSpan(0, keep), Marker);
    }

    /// <summary>The longest property key written (WIRE.md §2); a longer one is cut to this, ending in the marker.</summary>
    public const int MaxKeyChars = 1024;

    /// <summary>A property key as written: cut to <see cref="MaxKeyChars"/> and with lone surrogates replaced.</summary>
    public static string Key(string key) => SanitizeSurrogates(Truncate(key, MaxKeyChars));

    /// <summary>Replaces lone surrogates (invalid UTF-16, which cannot be written as UTF-8) with U+FFFD.</summary>
    public static string SanitizeSurrogates(string text)
    {
        var first = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return text;
        }

        char[]? copy = null;
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                copy ??= text.ToCharArray();
                copy[i] = '\uFFFD';
            }
        }

        return copy is null ? text : new string(copy);
    }
}
