using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// Reads the pipeline around the middleware once (below it through <c>GetService</c>, above it through the current
/// span) and decides, per call, whether M.E.AI's <c>chat</c> / <c>execute_tool</c> spans or the middleware's own are the
/// call's LLM and tool spans, so each model call is one LLM span and each tool call one tool span in every order of
/// <c>UseRaindrop()</c>, <c>UseOpenTelemetry()</c> and <c>UseFunctionInvocation()</c> (the README's table of orders).
/// No reflection: only <c>GetService</c> and span tags.
/// </summary>
internal sealed class PipelineTelemetry
{
    private const string OperationTag = "gen_ai.operation.name";
    private const string OrchestrateTools = "orchestrate_tools";
    private readonly IChatClient _inner;
    private readonly object _gate = new();
    private Shape? _shape;

    public PipelineTelemetry(IChatClient inner) => _inner = inner;

    /// <summary>The function-invoking client below the middleware, if any.</summary>
    public FunctionInvokingChatClient? Functions => Resolve().Functions;

    /// <summary>Who records this call's spans for <paramref name="core"/>.</summary>
    public Decision Decide(RaindropClient? core)
    {
        if (core is null)
        {
            return default;
        }

        var shape = Resolve();
        var belowPerCall = shape.OtelPerCall && Captured(core, shape.Otel);
        var current = Activity.Current;
        var abovePerCall = shape.Functions is null
            && current is { Recorded: true }
            && current.GetTagItem(OperationTag) is "chat"
            && core.CapturesSource(current.Source.Name);
        var llmElsewhere = belowPerCall || abovePerCall;

        // M.E.AI's chat span around the whole tool loop (its client above the function invocation): the LLM span of
        // a loop that made one model call, an aggregate when it made more.
        var loopSpan = shape.Functions is not null
            && ((!shape.OtelPerCall && Captured(core, shape.Otel))
                || (current is { Recorded: true } && current.GetTagItem(OperationTag) is "chat" && core.CapturesSource(current.Source.Name)));
        var toolsElsewhere = shape.Functions is not null
            ? Captured(core, shape.FunctionsSource)
            : Captured(core, shape.Otel) || OrchestratedAbove(core, current);
        return new Decision(llmElsewhere, toolsElsewhere, Split: shape.Functions is not null && !llmElsewhere, loopSpan, Above: !belowPerCall && abovePerCall ? current : null);
    }

    private static bool Captured(RaindropClient core, ActivitySource? source) =>
        source is not null && source.HasListeners() && core.CapturesSource(source.Name);

    // A FunctionInvokingChatClient above the middleware with a source emits execute_tool spans under its
    // orchestrate_tools span: the tool spans are recorded there.
    private static bool OrchestratedAbove(RaindropClient core, Activity? current)
    {
        var depth = 0;
        for (var a = current; a is not null && depth < 8; a = a.Parent, depth++)
        {
            if (a.OperationName == OrchestrateTools && core.CapturesSource(a.Source.Name))
            {
                return true;
            }
        }

        return false;
    }

    // The pipeline below is fixed once built: ask it once. OpenTelemetryChatClient answers GetService(ActivitySource)
    // with its source (that is how FunctionInvokingChatClient finds it); other clients pass the question down.
    private Shape Resolve()
    {
        if (Volatile.Read(ref _shape) is { } shape)
        {
            return shape;
        }

        lock (_gate)
        {
            if (_shape is null)
            {
                var functions = _inner.GetService(typeof(FunctionInvokingChatClient)) as FunctionInvokingChatClient;
                var otelClient = _inner.GetService(typeof(OpenTelemetryChatClient)) as OpenTelemetryChatClient;
                var otel = _inner.GetService(typeof(ActivitySource)) as ActivitySource;
                var otelPerCall = otel is not null && (otelClient is not null ? otelClient.GetService(typeof(FunctionInvokingChatClient)) is null : functions is null);
                var functionsSource = functions?.GetService(typeof(ActivitySource)) as ActivitySource;
                Volatile.Write(ref _shape, new Shape(functions, otel, otelPerCall, functionsSource));
            }

            return _shape;
        }
    }

    /// <summary>
    /// Per call: whether M.E.AI records the LLM spans, whether it records the tool spans, whether the middleware splits
    /// the call into model round trips, and whether an M.E.AI chat span covers the whole loop (then a loop of one
    /// model call gets no span of the middleware: that chat span is its LLM span).
    /// </summary>
    public readonly record struct Decision(bool LlmElsewhere, bool ToolsElsewhere, bool Split, bool LoopSpan, Activity? Above);

    private sealed record Shape(FunctionInvokingChatClient? Functions, ActivitySource? Otel, bool OtelPerCall, ActivitySource? FunctionsSource);
}
