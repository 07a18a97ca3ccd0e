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
        if (options?.AdditionalProperties is not { Count: > 0 } props || !props.Keys.Any(IsOwn))
        {
            return options;
        }

        var copy = options.Clone();
        var kept = new AdditionalPropertiesDictionary();
        foreach (var (key, value) in props)
        {
            if (!IsOwn(key))
            {
                kept[key] = value;
            }
        }

        copy.AdditionalProperties = kept.Count > 0 ? kept : null;
        return copy;
    }

    private static bool IsOwn(string key) => key.StartsWith("raindrop.", StringComparison.Ordinal);
}
