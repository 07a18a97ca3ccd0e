namespace Raindrop;

// Internal seams for the integration packages (Raindrop.Sdk.Extensions.AI): the client's own redaction and text
// caps, and whether a span source reaches Raindrop. Exposed with InternalsVisibleTo, never public.
public sealed partial class RaindropClient
{
    /// <summary>Redacts (when <see cref="RaindropOptions.RedactPii"/> is on) and caps a text the way <c>ai_data</c> input/output are.</summary>
    internal string? PrepareText(string? text) => _input.Text(text);

    /// <summary>Whether spans of the source named <paramref name="sourceName"/> are captured by this client (its <c>InstrumentedSources</c>).</summary>
    internal bool CapturesSource(string sourceName) => Tracing.RaindropActivitySource.Matches(sourceName, SpanExport.Sources);
}
