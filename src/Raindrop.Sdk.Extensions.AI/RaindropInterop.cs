using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// The one place the middleware turns what <see cref="IRaindropClient"/> hands out into the core's concrete types
/// (their internal members are visible to this assembly). A client or interaction that is not the SDK's own (a test
/// double) yields null here, and the middleware then records only what the public interface allows.
/// </summary>
internal static class RaindropInterop
{
    /// <summary>The interaction a call belongs to: the one named in <see cref="RaindropChatClientOptions.EventIdKey"/>, else the ambient one.</summary>
    public static Interaction? ResolveInteraction(IRaindropClient client, ChatOptions? options)
    {
        object? handle = options?.AdditionalProperties is { } props && props.TryGetValue(RaindropChatClientOptions.EventIdKey, out var value) && value is string { Length: > 0 } id
            ? client.ResumeInteraction(id)
            : client.ResumeInteraction();
        return handle as Interaction;
    }

    /// <summary>The SDK's own client behind the interface, or null for another implementation.</summary>
    public static RaindropClient? Core(IRaindropClient client) => client as RaindropClient;
}
