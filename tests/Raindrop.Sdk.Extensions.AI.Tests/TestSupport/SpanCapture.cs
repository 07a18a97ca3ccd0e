using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

/// <summary>
/// The <c>Raindrop.Sdk</c> activities that ended while this lives, with every tag as the exporter reads it (types and
/// arrays included, which the OTLP reader does not decode). It samples nothing itself, so it changes no span.
/// </summary>
internal sealed class SpanCapture : IDisposable
{
    private readonly ActivityListener _listener;

    public SpanCapture()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Raindrop.Sdk",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
            ActivityStopped = Stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentQueue<Activity> Stopped { get; } = new();

    public Activity Single(string name, string? eventId = null) =>
        Assert.Single(Stopped, a => a.DisplayName == name && (eventId is null || (a.GetTagItem(Attr.EventId) as string) == eventId));

    /// <summary>Every tag as <c>key=value</c>, sorted; arrays as <c>[a,b]</c>, non-strings with their type.</summary>
    public static IReadOnlyList<string> Tags(Activity activity) =>
        activity.TagObjects.Select(t => t.Key + "=" + Render(t.Value)).Order(StringComparer.Ordinal).ToList();

    public void Dispose() => _listener.Dispose();

    private static string Render(object? value) => value switch
    {
        null => "(null)",
        string s => s,
        string[] items => "[" + string.Join(",", items) + "]",
        _ => string.Create(CultureInfo.InvariantCulture, $"{value} ({value.GetType().Name})"),
    };
}
