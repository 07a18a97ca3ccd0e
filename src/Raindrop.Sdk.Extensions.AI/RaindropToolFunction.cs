using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// Wraps a tool of one chat call so that, when <c>FunctionInvokingChatClient</c> (inside <c>UseRaindrop()</c>)
/// invokes it, the invocation is a <c>&lt;name&gt;.tool</c> span with its arguments and result, or ERROR. The tool's
/// own result or exception passes through unchanged.
/// </summary>
internal sealed class RaindropToolFunction : DelegatingAIFunction
{
    private readonly ChatCall _call;

    public RaindropToolFunction(AIFunction inner, ChatCall call)
        : base(inner) => _call = call;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var span = _call.Owner.Tools.Start(_call, Name, arguments);
        object? result;
        try
        {
            result = await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _call.Owner.Tools.End(span, null, ex);
            throw;
        }

        _call.Owner.Tools.End(span, result, null);
        return result;
    }
}
