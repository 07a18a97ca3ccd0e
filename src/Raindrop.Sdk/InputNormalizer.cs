using Raindrop.Serialization;

namespace Raindrop;

/// <summary>
/// The caller-side stage: checks required arguments (throwing <see cref="ArgumentException"/> naming them),
/// snapshots what the caller may mutate later or that may throw (<see cref="ValueSnapshot"/>), redacts (opt-in) and
/// caps the AI text fields.
/// </summary>
internal sealed class InputNormalizer
{
    private readonly IPiiRedactor? _redactor;
    private readonly int _maxTextChars;
    private readonly TimeProvider _time;
    private readonly Microsoft.Extensions.Logging.ILogger _logger;
    private readonly Delivery.Outcomes _metrics;
    private readonly Diagnostics.RateLimiter _cutWarnings;
    private readonly Diagnostics.RateLimiter _unserializableWarnings;
    private int _warnedRedactor;

    public const string RedactionFailed = "<REDACTION FAILED>";

    public InputNormalizer(RaindropOptions options, TimeProvider time, Microsoft.Extensions.Logging.ILogger logger, Delivery.Outcomes metrics)
    {
        _logger = logger;
        _metrics = metrics;
        _unserializableWarnings = new Diagnostics.RateLimiter(time);
        _cutWarnings = new Diagnostics.RateLimiter(time);
        _redactor = options.RedactPii ? options.Redactor ?? PiiRedactor.Instance : null;
        _maxTextChars = options.MaxTextFieldChars;
        _time = time;
    }

    /// <summary>The longest identifier sent (WIRE.md §2); a longer one is cut to this, ending in the marker.</summary>
    public const int MaxIdChars = 1024;

    /// <summary>A new event id: a lowercase UUID v4, as the TypeScript SDK's <c>randomUUID</c>.</summary>
    public static string NewEventId() => Guid.NewGuid().ToString();

    /// <summary>Cuts an identifier over <see cref="MaxIdChars"/> (the same cut for the same input), with a rate-limited warning.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    public string? Id(string? value)
    {
        if (value is null || value.Length <= MaxIdChars)
        {
            return value;
        }

        if (_cutWarnings.TryAcquire(1, out var total))
        {
            Diagnostics.Log.IdentifierCut(_logger, total, value.Length, MaxIdChars);
        }

        return TextLimits.Truncate(value, MaxIdChars);
    }

    /// <summary>A signal with its identifiers cut as <see cref="Id"/> does (the same instance when nothing is cut).</summary>
    public Signal Ids(Signal signal) =>
        signal.EventId.Length <= MaxIdChars && signal.Name.Length <= MaxIdChars ? signal : signal with { EventId = Id(signal.EventId), Name = Id(signal.Name) };

    public static string Require(string? value, string name, string owner)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            ThrowMissing(value, name, owner); // out of line, so this check is inlined into the calls
        }

        return value;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowMissing(string? value, string name, string owner) =>
        throw new ArgumentException($"{owner}.{name} is required and was {(value is null ? "null" : "empty")}.", name);

    public static string? Optional(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public DateTimeOffset Now() => _time.GetUtcNow();

    /// <summary>Redacts (when on) and caps an <c>ai_data</c> text field.</summary>
    public string? Text(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (_redactor is not null && value.Length > 0)
        {
            // Cap first so a huge text is not scanned whole, then redact, then cap again (tokens can lengthen it).
            return TextLimits.Truncate(Redact(TextLimits.Truncate(value, _maxTextChars)), _maxTextChars);
        }

        return TextLimits.Truncate(value, _maxTextChars);
    }

    // A custom redactor that throws must not reach the caller, nor let the unredacted text through.
    private string Redact(string text)
    {
        try
        {
            return _redactor!.Redact(text) ?? RedactionFailed;
        }
        catch (Exception ex)
        {
            if (Interlocked.Exchange(ref _warnedRedactor, 1) == 0)
            {
                Diagnostics.Log.RedactorThrew(_logger, ex);
            }

            return RedactionFailed;
        }
    }

    /// <summary>
    /// Snapshots the caller's top-level properties (WIRE.md §2), one or two inline, more in one array: nested values
    /// become immutable JSON-shaped data, lazy sequences are enumerated once, here, and a value that throws is
    /// described, counted and warned about, never thrown.
    /// </summary>
    public PropertyBag Properties(IEnumerable<KeyValuePair<string, object?>>? members)
    {
        if (members is null)
        {
            return default;
        }

        var report = default(ValueSnapshot.Report);
        var bag = PropertyBag.Snapshot(members, ref report);
        Report(report);
        return bag;
    }

    /// <summary>As <see cref="Properties"/>, into an array (signals' properties, traits, an interaction's properties).</summary>
    public KeyValuePair<string, object?>[]? Members(IEnumerable<KeyValuePair<string, object?>>? members)
    {
        if (members is null)
        {
            return null;
        }

        var report = default(ValueSnapshot.Report);
        var copy = ValueSnapshot.Members(members, ref report);
        Report(report);
        return copy;
    }

    /// <summary>Snapshots one app value (a property set alone, a span's input or output); see <see cref="Members"/>.</summary>
    public object? Value(object? value)
    {
        var report = default(ValueSnapshot.Report);
        var copy = ValueSnapshot.Value(value, ref report);
        Report(report);
        return copy;
    }

    private void Report(in ValueSnapshot.Report report)
    {
        if (report.KeysCut > 0 && _cutWarnings.TryAcquire(report.KeysCut, out var cut))
        {
            Diagnostics.Log.IdentifierCut(_logger, cut, TextLimits.MaxKeyChars + 1, MaxIdChars);
        }

        if (report.Failures == 0)
        {
            return;
        }

        _metrics.Unserializable(report.Failures);
        if (_unserializableWarnings.TryAcquire(report.Failures, out var total))
        {
            Diagnostics.Log.ValueUnserializable(_logger, total, report.FirstReason);
        }
    }

    /// <summary>
    /// Copies and checks attachments: a null attachment or <c>Value</c>, or an unknown enum, is a missing argument
    /// (<see cref="ArgumentException"/>); a list that throws while read keeps what was read, with a warning.
    /// </summary>
    public IReadOnlyList<Attachment>? Attachments(IReadOnlyList<Attachment>? attachments, string owner) =>
        attachments is null ? null : CopyAttachments(attachments, owner); // small, so it inlines into the calls

    private List<Attachment>? CopyAttachments(IReadOnlyList<Attachment> attachments, string owner)
    {
        var copy = new List<Attachment>();
        string? invalid = null;
        try
        {
            foreach (var a in attachments)
            {
                invalid = a is null ? $"{owner}.Attachments[{copy.Count}] is null."
                    : a.Value is null ? $"{owner}.Attachments[{copy.Count}].Value is required and was null."
                    : !Enum.IsDefined(a.Type) || !Enum.IsDefined(a.Role) ? $"{owner}.Attachments[{copy.Count}] has an unknown Type or Role."
                    : null;
                if (invalid is not null)
                {
                    break;
                }

                copy.Add(a!);
            }
        }
        catch (Exception ex)
        {
            Report(new ValueSnapshot.Report { Failures = 1, FirstReason = ex.GetType().Name });
        }

        if (invalid is not null)
        {
            throw new ArgumentException(invalid, "Attachments");
        }

        return copy.Count == 0 ? null : copy;
    }
}
