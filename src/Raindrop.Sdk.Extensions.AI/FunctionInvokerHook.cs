using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// Sees every tool a <c>FunctionInvokingChatClient</c> below the middleware runs, from <see cref="ChatOptions.Tools"/>
/// and from its <see cref="FunctionInvokingChatClient.AdditionalTools"/> alike, through its public
/// <see cref="FunctionInvokingChatClient.FunctionInvoker"/> hook: the app's own invoker (if it set one) is kept and
/// called inside. The hook belongs to the call in flight (<see cref="ChatCall.Current"/>), so a tool run outside any
/// call of this middleware passes straight through. Installed again if the app replaces the invoker later.
/// </summary>
internal sealed class FunctionInvokerHook
{
    private readonly FunctionInvokingChatClient _functions;
    private readonly object _gate = new();
    private Func<FunctionInvocationContext, CancellationToken, ValueTask<object?>>? _installed;

    public FunctionInvokerHook(FunctionInvokingChatClient functions) => _functions = functions;

    /// <summary>Makes sure the hook is the client's invoker (cheap when it already is).</summary>
    public void Ensure()
    {
        if (_installed is { } installed && ReferenceEquals(_functions.FunctionInvoker, installed))
        {
            return;
        }

        lock (_gate)
        {
            var app = _functions.FunctionInvoker;
            if (_installed is not null && ReferenceEquals(app, _installed))
            {
                return;
            }

            _installed = (context, cancellationToken) => InvokeAsync(context, app, cancellationToken);
            _functions.FunctionInvoker = _installed;
        }
    }

    private static ValueTask<object?> InvokeAsync(
        FunctionInvocationContext context, Func<FunctionInvocationContext, CancellationToken, ValueTask<object?>>? app, CancellationToken cancellationToken)
    {
        return ChatCall.Current is { } call
            ? call.Owner.Tools.InvokeAsync(call, context, app, cancellationToken)
            : app is not null ? app(context, cancellationToken) : context.Function.InvokeAsync(context.Arguments, cancellationToken);
    }
}
