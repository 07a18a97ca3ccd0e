using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// The tool spans of one chat client's calls, seen three ways: the tools a <c>FunctionInvokingChatClient</c> below
/// runs (through its <c>FunctionInvoker</c> hook, timed exactly), the AI functions of a call's options when some other
/// loop below runs them (wrapped), and tools run above the middleware since its previous call (recorded from the call
/// and result contents). Every method contains its own failures.
/// </summary>
internal sealed class ToolSpans
{
    private readonly RaindropChatClient _owner;

    public ToolSpans(RaindropChatClient owner) => _owner = owner;

    /// <summary>
    /// The options with their AI functions wrapped to record tool spans, when no hooked function-invoking client below
    /// runs them; a copy unless <paramref name="copied"/> says the options are already the middleware's own.
    /// </summary>
    public ChatOptions? Wrap(ChatCall call, ChatOptions? options, bool copied)
    {
        if (!call.RecordTools || _owner.Telemetry.Functions is not null || options?.Tools is not { Count: > 0 } tools || !HasFunction(tools))
        {
            return options;
        }

        try
        {
            // A new list rather than the clone's: an options subclass may share or freeze its list.
            var wrapped = copied ? options : options.Clone();
            var own = new List<AITool>(tools.Count);
            for (var i = 0; i < tools.Count; i++)
            {
                own.Add(tools[i] is AIFunction function ? new RaindropToolFunction(function, call) : tools[i]);
            }

            wrapped.Tools = own;
            return wrapped;
        }
        catch (Exception ex)
        {
            _owner.ReportFailure("wrap tools", ex);
            return options;
        }
    }

    /// <summary>
    /// Runs one tool invocation of the function-invoking client below (through the app's own invoker when it set one):
    /// a tool span around it (when the call records tools) and the round trip's timing.
    /// </summary>
    public async ValueTask<object?> InvokeAsync(
        ChatCall call, FunctionInvocationContext context, Func<FunctionInvocationContext, CancellationToken, ValueTask<object?>>? app, CancellationToken cancellationToken)
    {
        call.Rounds?.NoteToolStart(context.Iteration);
        if (call.Rounds is { LoopSpan: true })
        {
            SpansAbove.MarkLoop(Activity.Current);
        }

        var span = call.RecordTools ? Start(call, context.Function.Name, context.Arguments) : null;
        try
        {
            var result = app is not null
                ? await app(context, cancellationToken).ConfigureAwait(false)
                : await context.Function.InvokeAsync(context.Arguments, cancellationToken).ConfigureAwait(false);
            End(span, result, null);
            return result;
        }
        catch (Exception ex)
        {
            End(span, null, ex);
            throw;
        }
        finally
        {
            call.Rounds?.NoteToolEnd(context.Iteration);
        }
    }

    private static bool HasFunction(IList<AITool> tools)
    {
        for (var i = 0; i < tools.Count; i++)
        {
            if (tools[i] is AIFunction)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Starts a tool span for one invocation; null when not recorded.</summary>
    public RaindropSpan? Start(ChatCall call, string name, AIFunctionArguments arguments)
    {
        try
        {
            var options = new SpanOptions { Input = _owner.CaptureContent ? _owner.Prepare(ChatContent.Json(arguments)) : null };
            var span = call.Interaction is { } interaction ? interaction.StartSpan(RaindropSpanKind.Tool, name, options) : _owner.Core?.StartSpan(RaindropSpanKind.Tool, name, options);
            call.Event?.Associate(span?.Activity);
            return span;
        }
        catch (Exception ex)
        {
            _owner.ReportFailure("tool span", ex);
            return null;
        }
    }

    /// <summary>Ends a tool span with the tool's result or error.</summary>
    public void End(RaindropSpan? span, object? result, Exception? error)
    {
        if (span is null)
        {
            return;
        }

        try
        {
            if (error is null && _owner.CaptureContent)
            {
                span.RecordOutput(_owner.Prepare(ChatContent.Json(result)));
            }

            span.End(error);
        }
        catch (Exception ex)
        {
            _owner.ReportFailure("tool span", ex);
        }
    }

    /// <summary>
    /// Tools answered in a call's messages that an earlier response of this middleware asked for
    /// (<c>FunctionInvokingChatClient</c> outside <c>UseRaindrop()</c>, or the app's own loop): one tool span each, ending now.
    /// </summary>
    public void RecordAnswered(ChatCall call, IEnumerable<ChatMessage> messages)
    {
        if (!call.RecordTools || _owner.Pending.TakeAnswered(messages) is not { } answered)
        {
            return;
        }

        foreach (var (toolCall, result, elapsed) in answered)
        {
            var input = _owner.CaptureContent ? _owner.Prepare(ChatContent.Json(toolCall.Arguments)) : null;
            var output = _owner.CaptureContent && result.Exception is null ? _owner.Prepare(ChatContent.Json(result.Result)) : null;
            if (call.Interaction is { } interaction)
            {
                interaction.TrackTool(toolCall.Name, input, output, elapsed, result.Exception);
            }
            else
            {
                _owner.Core?.TrackTool(toolCall.Name, input, output, elapsed, result.Exception);
            }
        }
    }
}
