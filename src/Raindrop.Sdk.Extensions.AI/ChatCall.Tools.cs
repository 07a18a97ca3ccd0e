using Microsoft.Extensions.AI;

namespace Raindrop;

// Tool spans of a chat call: the tools a FunctionInvokingChatClient below UseRaindrop() runs (seen through its
// FunctionInvoker hook, ChatOptions.Tools and AdditionalTools alike, timed exactly), the AI functions of the options
// when some other loop below runs them (wrapped), and those run above since the previous call (recorded from the call
// and result contents).
internal sealed partial class ChatCall
{
    /// <summary>The call's options with its AI functions wrapped to record tool spans; the caller's options are never changed.</summary>
    public ChatOptions? WrapTools(ChatOptions? options)
    {
        if (!_recordTools || _owner.Telemetry.Functions is not null || options?.Tools is not { Count: > 0 } tools || !tools.Any(t => t is AIFunction))
        {
            return options;
        }

        try
        {
            var wrapped = ReferenceEquals(options, _callerOptions) ? options.Clone() : options;
            wrapped.Tools = [.. tools.Select(t => t is AIFunction f ? new RaindropToolFunction(f, this) : t)];
            return wrapped;
        }
        catch (Exception ex)
        {
            _owner.ReportFailure("wrap tools", ex);
            return options;
        }
    }

    /// <summary>Runs one tool invocation of the function-invoking client below: a tool span around it (when this middleware records tools) and the round trip's timing.</summary>
    public async ValueTask<object?> InvokeToolAsync(FunctionInvocationContext context, Func<ValueTask<object?>> invoke)
    {
        NoteToolStart(context.Iteration);
        if (_loopSpan)
        {
            MarkLoopSpan(System.Diagnostics.Activity.Current);
        }

        var span = _recordTools ? StartTool(context.Function.Name, context.Arguments) : null;
        try
        {
            var result = await invoke().ConfigureAwait(false);
            EndTool(span, result, null);
            return result;
        }
        catch (Exception ex)
        {
            EndTool(span, null, ex);
            throw;
        }
        finally
        {
            NoteToolEnd(context.Iteration);
        }
    }

    /// <summary>Starts a tool span for one invocation; null when not recorded. Never throws.</summary>
    public RaindropSpan? StartTool(string name, AIFunctionArguments arguments)
    {
        try
        {
            var options = new SpanOptions
            {
                Input = CaptureContent ? Prepare(ChatContent.Json(arguments)) : null,
                Properties = _userId is not null ? Association() : null,
            };
            return _interaction is not null ? _interaction.StartSpan(RaindropSpanKind.Tool, name, options) : _core?.StartSpan(RaindropSpanKind.Tool, name, options);
        }
        catch (Exception ex)
        {
            _owner.ReportFailure("tool span", ex);
            return null;
        }
    }

    /// <summary>Ends a tool span with the tool's result or error. Never throws.</summary>
    public void EndTool(RaindropSpan? span, object? result, Exception? error)
    {
        if (span is null)
        {
            return;
        }

        try
        {
            if (error is null && CaptureContent)
            {
                span.RecordOutput(Prepare(ChatContent.Json(result)));
            }

            span.End(error);
        }
        catch (Exception ex)
        {
            _owner.ReportFailure("tool span", ex);
        }
    }

    // Tools answered in this call's messages that a response of this middleware asked for (FunctionInvokingChatClient
    // outside UseRaindrop(), or the app's own tool loop): one tool span each, ending now.
    private void RecordAnsweredTools(IEnumerable<ChatMessage> messages)
    {
        if (!_recordTools || _owner.Pending.TakeAnswered(messages) is not { } answered)
        {
            return;
        }

        foreach (var (call, result, elapsed) in answered)
        {
            var input = CaptureContent ? Prepare(ChatContent.Json(call.Arguments)) : null;
            var output = CaptureContent && result.Exception is null ? Prepare(ChatContent.Json(result.Result)) : null;
            if (_interaction is not null)
            {
                _interaction.TrackTool(call.Name, input, output, elapsed, result.Exception);
            }
            else
            {
                _core?.TrackTool(call.Name, input, output, elapsed, result.Exception);
            }
        }
    }
}
