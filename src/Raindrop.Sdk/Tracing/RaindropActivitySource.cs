using System.Diagnostics;

namespace Raindrop.Tracing;

/// <summary>The SDK's one static: the <see cref="ActivitySource"/> its spans come from, and the AI libraries' sources it captures.</summary>
internal static class RaindropActivitySource
{
    public const string Name = "Raindrop.Sdk";

    /// <summary>
    /// The source, made on first use rather than with the first client: the first <see cref="ActivitySource"/> of a
    /// process initializes System.Diagnostics' event sources (10-20 ms), and the early listener needs no source to
    /// exist, since a new source is offered to every listener.
    /// </summary>
    public static ActivitySource Source => Lazy.Source;

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

    // A class of its own so that reading Name, DefaultInstrumentedSources or Matches never creates the source.
    private static class Lazy
    {
        public static readonly ActivitySource Source = new(new ActivitySourceOptions(Name) { Version = SdkInfo.Version });
    }
}
