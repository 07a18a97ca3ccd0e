namespace Raindrop;

// What an integration (the Microsoft.Extensions.AI chat middleware) records about the LLM calls made inside an
// interaction: it fills input and model only when the app has not set them, sets the output to the latest
// answer, and sums token usage into properties.input_tokens / output_tokens. Internal: no public API.
internal sealed partial class Interaction
{
    private bool _inputSent;
    private bool _modelSent;
    private long _llmInputTokens;
    private long _llmOutputTokens;
    private bool _middlewareRecords;
    private Tracing.OpenSpans? _openSpans;

    /// <summary>
    /// Records one LLM call: <paramref name="input"/> and <paramref name="model"/> are kept only when the
    /// interaction has none (set at <c>Begin</c>, by <c>SetInput</c>, or earlier by this method), the output
    /// replaces the previous one (an app's <c>FinishAsync(output)</c> comes last and wins), and tokens are added to
    /// the running totals. Texts must already be redacted and capped. Ignored (quietly) after finish.
    /// </summary>
    /// <returns>False when the interaction had already finished.</returns>
    internal bool RecordLlmCall(string? input, string? output, string? model, long? inputTokens, long? outputTokens)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return false;
            }

            if (input is not null && _input is null && !_inputSent)
            {
                _input = input;
            }

            if (output is not null)
            {
                _output = output;
            }

            if (!string.IsNullOrEmpty(model) && _model is null && !_modelSent)
            {
                _model = model;
            }

            if (inputTokens is { } i)
            {
                _llmInputTokens += i;
                (_properties ??= new(StringComparer.Ordinal))["input_tokens"] = _llmInputTokens;
            }

            if (outputTokens is { } o)
            {
                _llmOutputTokens += o;
                (_properties ??= new(StringComparer.Ordinal))["output_tokens"] = _llmOutputTokens;
            }

            _dirty = true;
            Interlocked.Exchange(ref _lastChange, _registry.Time.GetTimestamp());
            return true;
        }
    }

    /// <summary>Notes that the Raindrop chat middleware records this interaction's model calls, so AI-library spans do not count them again.</summary>
    internal void NoteMiddlewareCall() => Volatile.Write(ref _middlewareRecords, true);

    /// <summary>Records a model call seen on an AI library's span: model and tokens only, unless the middleware records them.</summary>
    internal void RecordLibraryLlmCall(string? model, long? inputTokens, long? outputTokens)
    {
        if (!Volatile.Read(ref _middlewareRecords))
        {
            RecordLlmCall(input: null, output: null, model, inputTokens, outputTokens);
        }
    }

    /// <summary>
    /// Registers how to end a span an integration keeps open across calls it does not control (a streamed chat call
    /// whose enumerator the app may never dispose): <paramref name="end"/> runs once when the interaction finishes or
    /// closes, unless <see cref="ForgetOpenSpan"/> removed it first. Returns false (and keeps nothing) after finish.
    /// </summary>
    internal bool TrackOpenSpan(Action end)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return false;
            }

            _openSpans ??= new Tracing.OpenSpans(); // made on first use: most interactions never stream
        }

        return _openSpans.Track(end);
    }

    /// <summary>Forgets a span registered with <see cref="TrackOpenSpan"/> (it ended on its own).</summary>
    internal void ForgetOpenSpan(Action end) => Volatile.Read(ref _openSpans)?.Forget(end);

    /// <summary>Ends the spans still open (at finish or close, before the root span ends); later ones are refused.</summary>
    internal void EndOpenSpans() => Volatile.Read(ref _openSpans)?.EndAll(close: true, _registry.Client.Tracer.Contained);

    /// <summary>Whether the interaction was resumed by id only (its input and model may live elsewhere).</summary>
    internal bool IsIdOnly => UserId is null && Event is null;

    // Called under _gate by TakeDelta before it clears the fields it sends.
    private void NoteSent()
    {
        _inputSent |= _input is not null;
        _modelSent |= _model is not null;
    }
}
