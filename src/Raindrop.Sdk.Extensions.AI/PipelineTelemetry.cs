using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// Finds Microsoft.Extensions.AI's own OpenTelemetry chat client (<c>UseOpenTelemetry()</c>) in the pipeline, so a
/// call is not recorded twice. The rule: when such a client's spans reach this Raindrop client (its source has a
/// listener and is one of the client's <c>InstrumentedSources</c>), its <c>chat</c> span is the call's LLM span and
/// the middleware starts none of its own; when it sits below the middleware, <c>FunctionInvokingChatClient</c> also
/// emits <c>execute_tool</c> spans from it, so the middleware records no tool spans either. Everything else (the
/// interaction's input, output, model and tokens; the AI event outside an interaction) is still recorded.
/// </summary>
internal sealed class PipelineTelemetry
{
    private const string OperationTag = "gen_ai.operation.name";
    private readonly IChatClient _inner;
    private ActivitySource? _below;
    private int _resolved;

    public PipelineTelemetry(IChatClient inner) => _inner = inner;

    /// <summary>Whether the call's LLM span and its tool spans come from an M.E.AI OpenTelemetry chat client that reaches <paramref name="core"/>.</summary>
    public (bool LlmSpan, bool ToolSpans) RecordedElsewhere(RaindropClient? core)
    {
        if (core is null)
        {
            return (false, false);
        }

        var below = Below();
        var belowCaptured = below is not null && below.HasListeners() && core.CapturesSource(below.Name);
        var current = Activity.Current;
        var aboveCaptured = current is { Recorded: true }
            && current.GetTagItem(OperationTag) is "chat"
            && core.CapturesSource(current.Source.Name);
        return (belowCaptured || aboveCaptured, belowCaptured);
    }

    // The pipeline below is fixed once built: ask it once. OpenTelemetryChatClient answers GetService(ActivitySource)
    // with its source (that is how FunctionInvokingChatClient finds it); other clients pass the question down.
    private ActivitySource? Below()
    {
        if (Volatile.Read(ref _resolved) == 0)
        {
            _below = _inner.GetService(typeof(ActivitySource)) as ActivitySource;
            Volatile.Write(ref _resolved, 1);
        }

        return _below;
    }
}
