using Raindrop.Serialization;

namespace Raindrop;

/// <summary>
/// The caller-side stage: checks required arguments (throwing <see cref="ArgumentException"/> naming them),
/// copies what the caller may mutate later, redacts (opt-in) and caps the AI text fields.
/// </summary>
internal sealed class InputNormalizer
{
    private readonly IPiiRedactor? _redactor;
    private readonly int _maxTextChars;
    private readonly TimeProvider _time;
    private readonly Microsoft.Extensions.Logging.ILogger _logger;
    private int _warnedRedactor;

    public const string RedactionFailed = "<REDACTION FAILED>";

    public InputNormalizer(RaindropOptions options, TimeProvider time, Microsoft.Extensions.Logging.ILogger logger)
    {
        _logger = logger;
        _redactor = options.RedactPii ? options.Redactor ?? PiiRedactor.Instance : null;
        _maxTextChars = options.MaxTextFieldChars;
        _time = time;
    }

    public static string NewEventId() => EventIds.New();

    public static string Require(string? value, string name, string owner)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{owner}.{name} is required and was {(value is null ? "null" : "empty")}.", name);
        }

        return value;
    }

    public static string? Optional(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public DateTimeOffset Now() => _time.GetUtcNow();

    /// <summary>Redacts (when on) and caps an <c>ai_data</c> text field.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot: skip the slow first tier
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

    /// <summary>
    /// Copies the caller's top-level properties into one compact array (a queued item holds it until sent: one
    /// object per item instead of a dictionary's three keeps the queue light on the GC).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot: skip the slow first tier
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

    public static KeyValuePair<string, object?>[]? Copy(IReadOnlyDictionary<string, object?>? properties)
    {
        if (properties is null || properties.Count == 0)
        {
            return null;
        }

        var copy = new KeyValuePair<string, object?>[properties.Count];
        var i = 0;
        if (properties is Dictionary<string, object?> d)
        {
            foreach (var pair in d)
            {
                copy[i++] = pair;
            }
        }
        else
        {
            foreach (var pair in properties)
            {
                if (i == copy.Length)
                {
                    break; // a dictionary that grew while copied: keep what was counted
                }

                copy[i++] = pair;
            }
        }

        return i == copy.Length ? copy : copy[..i];
    }

    public static IReadOnlyList<Attachment>? Copy(IReadOnlyList<Attachment>? attachments, string owner)
    {
        if (attachments is null || attachments.Count == 0)
        {
            return null;
        }

        var copy = new Attachment[attachments.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            var a = attachments[i] ?? throw new ArgumentException($"{owner}.Attachments[{i}] is null.", "Attachments");
            if (a.Value is null)
            {
                throw new ArgumentException($"{owner}.Attachments[{i}].Value is required and was null.", "Attachments");
            }

            if (!Enum.IsDefined(a.Type) || !Enum.IsDefined(a.Role))
            {
                throw new ArgumentException($"{owner}.Attachments[{i}] has an unknown Type or Role.", "Attachments");
            }

            copy[i] = a;
        }

        return copy;
    }
}
