using System.Buffers;
using System.Text.RegularExpressions;

namespace Raindrop;

/// <summary>
/// The patterns behind <see cref="PiiRedactor"/>: ports of the ones the TypeScript SDK uses
/// (WIRE.md section 6, checked against <c>pii-vectors.json</c>), with a few documented fixes.
/// </summary>
/// <remarks>
/// JavaScript's <c>\d</c>, <c>\w</c> and <c>\b</c> are ASCII-only while .NET's are Unicode-aware,
/// so the ports spell out <c>[0-9]</c>, <c>[A-Za-z0-9_]</c> and an ASCII word boundary instead.
/// Some lookbehinds were added that do not change which matches are found but keep each scan
/// linear, so the match timeout is a last resort rather than something large inputs hit.
/// </remarks>
internal static partial class PiiPatterns
{
    /// <summary>How long one pattern may run over one text before that step is skipped.</summary>
    internal const int TimeoutMilliseconds = 250;

    internal const string CreditCardToken = "<REDACTED CREDIT CARD NUMBER>";
    internal const string AddressToken = "<REDACTED ADDRESS>";
    internal const string PhoneToken = "<REDACTED PHONE NUMBER>";
    internal const string SsnToken = "<REDACTED SOCIAL SECURITY NUMBER>";
    internal const string EmailToken = "<REDACTED EMAIL>";
    internal const string SecretToken = "<REDACTED SECRET>";
    internal const string CredentialsToken = "<REDACTED CREDENTIALS>";

    private const RegexOptions Options = RegexOptions.CultureInvariant;
    private const RegexOptions OptionsIgnoreCase = RegexOptions.CultureInvariant | RegexOptions.IgnoreCase;

    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");
    private static readonly SearchValues<char> At = SearchValues.Create("@");
    private static readonly SearchValues<char> Colon = SearchValues.Create(":");

    /// <summary>
    /// Steps in the order WIRE.md section 6 gives; each replaces every match with its token.
    /// <c>Needs</c> holds characters every match contains: a text without any is skipped cheaply.
    /// </summary>
    internal static readonly (Regex Pattern, string Token, SearchValues<char> Needs)[] Steps =
    [
        (CreditCard(), CreditCardToken, Digits),
        (StreetAddress(), AddressToken, Digits),
        (Phone(), PhoneToken, Digits),
        (InternationalPhone(), PhoneToken, Digits),
        (Ssn(), SsnToken, Digits),
        (Email(), EmailToken, At),
        (Secret(), SecretToken, Colon),
        (Credentials(), CredentialsToken, Colon),
    ];

    // TS: /\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}|\d{4}[ -]?\d{6}[ -]?\d{4}\d?/g (Amex is 4-6-5).
    [GeneratedRegex(
        "[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}|[0-9]{4}[ -]?[0-9]{6}[ -]?[0-9]{4}[0-9]?",
        Options,
        TimeoutMilliseconds)]
    private static partial Regex CreditCard();

    // TS (flags gi): (\d+\s*(\w+ ){1,2}ROAD\.?\b(\s+APT\.? *[a-z0-9-]+\b)?)|(P\.? ?O\.? *Box +\d+)
    // "\d+\s*" is split into its two readings so each start is scanned once: digits then
    // whitespace (starting where a digit run starts), or a digit glued to the first word, as in
    // "221B Baker Street" (starting at the first digit of that word; a later digit of the same
    // word can only find the same match). "(?<=\w)(?!\w)|(?<!\w)(?=\w)" is JavaScript's \b.
    [GeneratedRegex(
        @"(?:(?<![0-9])[0-9]+\s+|(?<![0-9][A-Za-z_]*)[0-9])(?:[A-Za-z0-9_]+ ){1,2}"
        + @"(?:street|st|road|rd|avenue|ave|drive|dr|loop|court|ct|circle|cir|lane|ln|boulevard|blvd|way)\.?"
        + @"(?:(?<=[A-Za-z0-9_])(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_]))"
        + @"(?:\s+(?:apt|bldg|dept|fl|hngr|lot|pier|rm|ste|slip|trlr|unit|\#)\.? *[a-z0-9-]+"
        + @"(?:(?<=[A-Za-z0-9_])(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_])))?"
        + @"|P\.? ?O\.? *Box +[0-9]+",
        OptionsIgnoreCase,
        TimeoutMilliseconds)]
    private static partial Regex StreetAddress();

    // TS (flag g): (\(?\+?[0-9]{1,2}\)?[-. ]?)?(\(?[0-9]{3}\)?|[0-9]{3})[-. ]?([0-9]{3}[-. ]?[0-9]{4}|\b[A-Z0-9]{7}\b)
    // Fix: the number may not be glued to a word or a longer number ("a456-4266141" inside a UUID,
    // "426614174000" after "-"), nor follow '#' ("order #1234567890"). TS has no such guards.
    [GeneratedRegex(
        @"(?<![A-Za-z0-9_#]|[0-9][-.])"
        + @"(?:\(?\+?[0-9]{1,2}\)?[-. ]?)?(?:\(?[0-9]{3}\)?|[0-9]{3})[-. ]?"
        + @"(?:[0-9]{3}[-. ]?[0-9]{4}|(?<![A-Za-z0-9_])[A-Z0-9]{7}(?![A-Za-z0-9_]))"
        + @"(?![0-9]|[-.][0-9])",
        Options,
        TimeoutMilliseconds)]
    private static partial Regex Phone();

    // Fix (TS has no such pattern and left "+44 20 7946 0958" alone): '+', then 8 to 15 digits
    // (E.164) with at most one space, '.' or '-' between two digits.
    [GeneratedRegex(
        @"(?<![A-Za-z0-9_])\+[0-9](?:[ .-]?[0-9]){7,14}(?![0-9])",
        Options,
        TimeoutMilliseconds)]
    private static partial Regex InternationalPhone();

    // TS (flag g): \b\d{3}[ -.]\d{2}[ -.]\d{4}\b. "[ -.]" is the range U+0020..U+002E, as in TS.
    [GeneratedRegex(
        @"(?<![A-Za-z0-9_])[0-9]{3}[ -.][0-9]{2}[ -.][0-9]{4}(?![A-Za-z0-9_])",
        Options,
        TimeoutMilliseconds)]
    private static partial Regex Ssn();

    // TS (flags gi): ([a-z0-9_\-.+]+)@\w+(\.\w+)* ("foo@bar" counts, as in TS). The local part
    // starts where a run of its characters starts (or where the previous match ended, \G),
    // which is where TS's leftmost match starts too.
    [GeneratedRegex(
        @"(?:\G|(?<![A-Za-z0-9_.+-]))[A-Za-z0-9_.+-]+@[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*",
        Options,
        TimeoutMilliseconds)]
    private static partial Regex Email();

    // TS (flags gi): (pass(word|phrase)?|secret): \S+ -- the key and its value are replaced.
    [GeneratedRegex(
        @"(?:pass(?:word|phrase)?|secret): \S+",
        OptionsIgnoreCase,
        TimeoutMilliseconds)]
    private static partial Regex Secret();

    // TS (flags gi): (login( cred(ential)?s| info(rmation)?)?|cred(ential)?s) ?:\s*\S+\s+\/?\s*\S+
    [GeneratedRegex(
        @"(?:login(?: cred(?:ential)?s| info(?:rmation)?)?|cred(?:ential)?s) ?:\s*\S+\s+/?\s*\S+",
        OptionsIgnoreCase,
        TimeoutMilliseconds)]
    private static partial Regex Credentials();
}
