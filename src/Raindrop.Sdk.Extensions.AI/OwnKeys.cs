using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>The <c>raindrop.*</c> keys of <see cref="ChatOptions.AdditionalProperties"/>: read by the middleware, never passed below it.</summary>
internal static class OwnKeys
{
    /// <summary>A key's value when it is a non-empty string, else null.</summary>
    public static string? Value(ChatOptions? options, string key) =>
        options?.AdditionalProperties is { } props && props.TryGetValue(key, out var value) && value is string { Length: > 0 } s ? s : null;

    /// <summary>The options without the <c>raindrop.*</c> keys (a copy when there are any; the caller's instance is never changed).</summary>
    public static ChatOptions? Strip(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { Count: > 0 } props || !HasOwn(props))
        {
            return options;
        }

        // Clone() copies the dictionary too: the own keys are removed from that copy (from a new one should an
        // options subclass share the caller's).
        var copy = options.Clone();
        var kept = copy.AdditionalProperties is { } cloned && !ReferenceEquals(cloned, props) ? cloned : props.Clone();
        foreach (var (key, _) in props)
        {
            if (IsOwn(key))
            {
                kept.Remove(key);
            }
        }

        copy.AdditionalProperties = kept.Count > 0 ? kept : null;
        return copy;
    }

    private static bool HasOwn(AdditionalPropertiesDictionary props)
    {
        foreach (var (key, _) in props)
        {
            if (IsOwn(key))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsOwn(string key) => key.StartsWith("raindrop.", StringComparison.Ordinal);
}
