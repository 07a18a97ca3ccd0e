namespace Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

internal static class SpanExtensions
{
    public static long? Long(this OtlpSpan span, string key) => span.Attributes.TryGetValue(key, out var v) ? v as long? : null;

    /// <summary>Every string attribute value of the span, for "nothing here contains X" checks.</summary>
    public static IEnumerable<string> Texts(this OtlpSpan span) => span.Attributes.Values.OfType<string>().Concat(span.Events);
}
