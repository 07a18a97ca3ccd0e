using System.Buffers;
using System.Text.RegularExpressions;

namespace Raindrop;

/// <summary>
/// The built-in <see cref="IPiiRedactor"/>: replaces credit card numbers, street addresses,
/// phone numbers, US social security numbers, email addresses, <c>password:</c>/<c>secret:</c>
/// values and login credentials with fixed tokens such as <c>&lt;REDACTED EMAIL&gt;</c>,
/// in that order, as the TypeScript SDK does (WIRE.md section 6).
/// </summary>
/// <remarks>
/// Stateless and thread-safe; use <see cref="Instance"/>. Each pattern has a match timeout:
/// if one pattern times out on a text, that step is skipped for that text and the other
/// steps still run, so <see cref="Redact(string)"/> never throws for any non-null input.
/// </remarks>
public sealed class PiiRedactor : IPiiRedactor
{
    private readonly (Regex Pattern, string Token, SearchValues<char> Needs)[] _steps;

    private PiiRedactor()
        : this(PiiPatterns.Steps)
    {
    }

    /// <summary>
    /// A redactor running <paramref name="steps"/> instead of <see cref="PiiPatterns.Steps"/>: for tests, the same
    /// patterns with a longer match timeout, so a test on a large text fails only when a pattern is not linear.
    /// </summary>
    internal PiiRedactor((Regex Pattern, string Token, SearchValues<char> Needs)[] steps)
    {
        _steps = steps;
    }

    /// <summary>Gets the shared instance.</summary>
    public static PiiRedactor Instance { get; } = new();

    /// <summary>Returns <paramref name="text"/> with personal data replaced by tokens.</summary>
    /// <param name="text">The text to redact.</param>
    /// <returns>
    /// The redacted text; the same instance when nothing matched. Characters outside the
    /// matches (including emoji and right-to-left text) are kept exactly.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return text;
        }

        foreach (var (pattern, token, needs) in _steps)
        {
            if (text.AsSpan().ContainsAny(needs))
            {
                text = Replace(pattern, token, text);
            }
        }

        return text;
    }

    /// <summary>Replaces every match of <paramref name="pattern"/>; on a timeout, returns <paramref name="text"/>.</summary>
    internal static string Replace(Regex pattern, string token, string text)
    {
        try
        {
            return pattern.Replace(text, token);
        }
        catch (RegexMatchTimeoutException)
        {
            // Skip this step rather than fail the caller: the text keeps what the earlier steps
            // removed, and the later steps still run.
            return text;
        }
    }
}
