using System.Diagnostics;
using System.Globalization;

namespace Raindrop;

/// <summary>
/// A span, for work whose lifetime does not fit a delegate (from <c>StartSpan</c> or <c>StartLlmSpan</c>; the
/// <c>WithSpan</c>/<c>WithTool</c> helpers run a delegate inside one). End it with <see cref="End"/> or <see cref="Dispose"/>; every method is a no-op when
/// no one listens to the <c>Raindrop.Sdk</c> source, and nothing here ever throws for bad data.
/// </summary>
public sealed class RaindropSpan : IDisposable
{
    private readonly Tracing.Tracer? _tracer;
    private readonly Activity? _previous;
    private readonly IRaindropSpanRecorder? _recorder;
    private int _ended;

    internal RaindropSpan(Tracing.Tracer? tracer, Activity? activity, Activity? previous)
    {
        _tracer = tracer;
        Activity = activity;
        _previous = previous;
    }

    /// <summary>
    /// Creates a span that reports what is recorded on it to <paramref name="recorder"/> instead of an
    /// <see cref="System.Diagnostics.Activity"/>: for test doubles of <see cref="IRaindropClient"/> and
    /// <see cref="IInteraction"/>. Its <see cref="Activity"/> is null.
    /// </summary>
    /// <param name="recorder">Receives the span's input, output, properties, usage and end.</param>
    /// <exception cref="ArgumentNullException"><paramref name="recorder"/> is null.</exception>
    public RaindropSpan(IRaindropSpanRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        _recorder = recorder;
    }

    /// <summary>The underlying <see cref="System.Diagnostics.Activity"/>, or null when the span is not recorded.</summary>
    public Activity? Activity { get; }

    /// <summary>Whether anything records this span (an activity, or a test double's recorder).</summary>
    internal bool IsRecorded => Activity is not null || _recorder is not null;

    /// <summary>Records the span's input as JSON text (<c>traceloop.entity.input</c>).</summary>
    /// <param name="input">Any JSON-shaped value.</param>
    public void RecordInput(object? input)
    {
        _recorder?.RecordInput(input);
        try
        {
            _tracer?.SetPayload(Activity, Tracing.SpanAttributes.EntityInput, input);
        }
        catch (Exception ex)
        {
            _tracer?.Contained(ex);
        }
    }

    /// <summary>Records the span's output as JSON text (<c>traceloop.entity.output</c>); on an LLM span also as the completion.</summary>
    /// <param name="output">Any JSON-shaped value.</param>
    public void RecordOutput(object? output)
    {
        _recorder?.RecordOutput(output);
        try
        {
            _tracer?.SetPayload(Activity, Tracing.SpanAttributes.EntityOutput, output);
            if (Activity is { IsAllDataRequested: true } activity && activity.GetTagItem(Tracing.SpanAttributes.SpanKind) is Tracing.SpanAttributes.KindLlm && output is string text)
            {
                activity.SetTag(Tracing.SpanAttributes.CompletionPrefix + "0.role", "assistant");
                activity.SetTag(Tracing.SpanAttributes.CompletionPrefix + "0.content", _tracer?.Cap(text));
            }
        }
        catch (Exception ex)
        {
            _tracer?.Contained(ex);
        }
    }

    /// <summary>Adds properties (<c>traceloop.association.properties.&lt;key&gt;</c>).</summary>
    /// <param name="properties">The properties.</param>
    public void SetProperties(IReadOnlyDictionary<string, object?> properties)
    {
        _recorder?.SetProperties(properties);
        try
        {
            _tracer?.SetProperties(Activity, properties);
        }
        catch (Exception ex)
        {
            _tracer?.Contained(ex);
        }
    }

    /// <summary>Records an LLM call's token usage and, when known, the model that answered.</summary>
    /// <param name="inputTokens">Prompt tokens (<c>gen_ai.usage.input_tokens</c>).</param>
    /// <param name="outputTokens">Completion tokens (<c>gen_ai.usage.output_tokens</c>).</param>
    /// <param name="responseModel">The answering model (<c>gen_ai.response.model</c>).</param>
    public void RecordUsage(long? inputTokens, long? outputTokens, string? responseModel = null)
    {
        _recorder?.RecordUsage(inputTokens, outputTokens, responseModel);
        if (Activity is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        if (inputTokens is { } i)
        {
            activity.SetTag(Tracing.SpanAttributes.InputTokens, i);
        }

        if (outputTokens is { } o)
        {
            activity.SetTag(Tracing.SpanAttributes.OutputTokens, o);
        }

        if (responseModel is not null)
        {
            activity.SetTag(Tracing.SpanAttributes.ResponseModel, responseModel);
        }
    }

    /// <summary>Ends the span; with an error, its status is ERROR and it gets an <c>exception</c> event. Later calls are ignored.</summary>
    /// <param name="error">The error the work failed with, if it did.</param>
    public void End(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        _recorder?.Ended(error);
        if (Activity is null)
        {
            return;
        }

        if (error is not null)
        {
            Tracing.Tracer.RecordError(Activity, error);
        }

        var current = Activity.Current;
        Activity.Stop();

        // Stop() moves Activity.Current to the span's parent; put back what the flow had before the span when it
        // was the span itself, and otherwise leave the flow as it is.
        Activity.Current = ReferenceEquals(current, Activity) ? _previous : current;
    }

    /// <summary>Ends the span (without an error) if it has not ended.</summary>
    public void Dispose() => End();

    /// <summary>The span's name and trace id, for debugging.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() =>
        Activity is null ? "RaindropSpan (not recorded)" : string.Create(CultureInfo.InvariantCulture, $"RaindropSpan {Activity.DisplayName} trace {Activity.TraceId}");
}
