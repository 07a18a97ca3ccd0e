using System.Diagnostics;

namespace Raindrop.Tracing;

/// <summary>The SDK's one static: the <see cref="ActivitySource"/> its spans come from, and the AI libraries' sources it captures.</summary>
internal static class RaindropActivitySource
{
    public const string Name = "Raindrop.Sdk";

    public static readonly ActivitySource Source = new(new ActivitySourceOptions(Name) { Version = SdkInfo.Version });

    /// <summary>The AI libraries' own sources whose spans inside an interaction are captured (wildcards as OpenTelemetry's AddSource takes them).</summary>
    public static readonly IReadOnlyList<string> DefaultInstrumentedSources =
    [
        "Experimental.Microsoft.Extensions.AI",
        "OpenAI.*",
        "Azure.AI.Inference.*",
        "Microsoft.SemanticKernel*",
        "Experimental.Microsoft.Agents.AI",
        "Experimental.ModelContextProtocol",
    ];

    public static bool Matches(string sourceName, IReadOnlyList<string> patterns)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.EndsWith('*')
                ? sourceName.StartsWith(pattern.AsSpan(0, pattern.Length - 1).TrimEnd('.'), StringComparison.Ordinal)
                : string.Equals(sourceName, pattern, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
