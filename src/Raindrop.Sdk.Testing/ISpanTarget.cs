namespace Raindrop.Testing;

/// <summary>Where the span helpers of a client or an interaction record their spans.</summary>
internal interface ISpanTarget
{
    RecordedSpan OpenSpan(string name, string kind, SpanOptions? options);
}
