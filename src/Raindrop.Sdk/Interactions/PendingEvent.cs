using Raindrop.Delivery;

namespace Raindrop.Interactions;

/// <summary>
/// What an interaction recorded since its last update was sent: properties (last writer wins per key), attachments
/// (appended in order), input, output and model, plus the model calls integrations recorded. Not thread-safe: the
/// owning <see cref="Interaction"/> calls it under its lock.
/// </summary>
internal sealed class PendingEvent
{
    private Dictionary<string, object?>? _properties;
    private List<Attachment>? _attachments;
    private string? _input;
    private string? _output;
    private string? _model;
    private bool _inputSent;
    private bool _modelSent;
    private bool _traced;
    private long _llmInputTokens;
    private long _llmOutputTokens;

    /// <summary>Whether something changed since the last <see cref="Take"/>.</summary>
    public bool Dirty { get; private set; }

    public void Begin(string? input, string? model, KeyValuePair<string, object?>[]? properties, IReadOnlyList<Attachment>? attachments)
    {
        _input = input;
        _model = model;
        Merge(properties);
        if (attachments is not null)
        {
            _attachments = [.. attachments];
        }

        Dirty = true; // a Begin is sent after its quiet period even with nothing else in it, so the server sees it
    }

    public void SetProperty(string key, object? value)
    {
        Properties[key] = value;
        Dirty = true;
    }

    public void Merge(KeyValuePair<string, object?>[]? properties)
    {
        if (properties is null)
        {
            return;
        }

        var target = Properties;
        foreach (var (key, value) in properties)
        {
            target[key] = value;
        }

        Dirty = true;
    }

    public void Attach(IReadOnlyList<Attachment>? attachments)
    {
        if (attachments is not null)
        {
            (_attachments ??= []).AddRange(attachments);
            Dirty = true;
        }
    }

    public void SetInput(string? input)
    {
        _input = input;
        Dirty = true;
    }

    /// <summary>The last fields of <c>FinishAsync</c>: an output or model given replaces the one recorded.</summary>
    public void Finish(string? output, string? model, KeyValuePair<string, object?>[]? properties, IReadOnlyList<Attachment>? attachments)
    {
        Merge(properties);
        Attach(attachments);
        _output = output ?? _output;
        _model = model ?? _model;
    }

    /// <summary>
    /// One LLM call an integration saw: input and model are kept only when none was recorded or sent (the app's own
    /// win), the output replaces the previous one (the app's <c>FinishAsync(output)</c> comes last), tokens are summed
    /// into <c>input_tokens</c> / <c>output_tokens</c>.
    /// </summary>
    public void RecordLlmCall(string? input, string? output, string? model, long? inputTokens, long? outputTokens)
    {
        if (input is not null && _input is null && !_inputSent)
        {
            _input = input;
        }

        _output = output ?? _output;
        if (!string.IsNullOrEmpty(model) && _model is null && !_modelSent)
        {
            _model = model;
        }

        if (inputTokens is { } i)
        {
            _llmInputTokens += i;
            Properties["input_tokens"] = _llmInputTokens;
        }

        if (outputTokens is { } o)
        {
            _llmOutputTokens += o;
            Properties["output_tokens"] = _llmOutputTokens;
        }

        Dirty = true;
    }

    /// <summary>Records the interaction's trace id as <c>properties.trace_id</c>, once.</summary>
    public void NoteTrace(System.Diagnostics.ActivityTraceId traceId)
    {
        if (!_traced)
        {
            _traced = true;
            SetProperty("trace_id", traceId.ToHexString());
        }
    }

    /// <summary>The changes as one update of <paramref name="interaction"/>, then cleared; null when nothing changed and not <paramref name="force"/>d.</summary>
    public EventItem? Take(Interaction interaction, bool isPending, bool force)
    {
        if (!force && !Dirty)
        {
            return null;
        }

        var item = new EventItem(
            interaction.EventId, interaction.UserId, interaction.Event, interaction.Timestamp, Serialization.PropertyBag.From(_properties?.ToArray()),
            _attachments, _input, _output, _model, interaction.ConvoId, isPending);
        _inputSent |= _input is not null; // for fill-if-unset: an input or model the server has is not replaced
        _modelSent |= _model is not null;
        _properties = null;
        _attachments = null;
        _input = null;
        _output = null;
        _model = null;
        Dirty = false;
        return item;
    }

    private Dictionary<string, object?> Properties => _properties ??= new(StringComparer.Ordinal);
}
