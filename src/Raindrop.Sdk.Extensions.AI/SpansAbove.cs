using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Raindrop;

/// <summary>
/// The M.E.AI <c>chat</c> spans current above the middleware that it deferred to (<c>UseOpenTelemetry()</c> above
/// <c>UseRaindrop()</c>). Such a span is the call's LLM span only if it covers one model call; a second call of the
/// middleware under the same span shows a tool loop between them (<c>UseOpenTelemetry().UseFunctionInvocation()
/// .UseRaindrop()</c>): from then on the middleware records each call itself, the deferred first one late, with its
/// own times. Weakly keyed: an entry lives as long as its span.
/// </summary>
internal sealed class SpansAbove
{
    private readonly ConditionalWeakTable<Activity, Entry> _spans = new();

    /// <summary>Notes a call under <paramref name="above"/>: false for the first (defer to it), true once it covers several (with the deferred first call, to record late).</summary>
    public bool IsLoop(Activity above, out RoundTrips? deferred)
    {
        var entry = _spans.GetValue(above, static _ => new Entry());
        lock (entry)
        {
            deferred = entry.Deferred;
            entry.Deferred = null;
            var loop = entry.Calls++ > 0;
            return loop;
        }
    }

    /// <summary>Remembers the first call deferred to <paramref name="above"/>, until a second call shows a loop.</summary>
    public void Defer(Activity above, RoundTrips deferred)
    {
        var entry = _spans.GetValue(above, static _ => new Entry());
        lock (entry)
        {
            if (entry.Calls <= 1)
            {
                entry.Deferred = deferred;
            }
        }
    }

    /// <summary>
    /// Marks the M.E.AI <c>chat</c> span around a whole tool loop as a task: it is not one model call, the middleware
    /// writes one LLM span per round trip (WIRE.md §7). Marked while it is open, so the mark is exported with it.
    /// </summary>
    public static void MarkLoop(Activity? inside)
    {
        for (var a = inside; a is not null; a = a.Parent)
        {
            if (a.Source.Name != Tracing.RaindropActivitySource.Name && a.GetTagItem("gen_ai.operation.name") is "chat")
            {
                a.SetTag(Tracing.SpanAttributes.SpanKind, Tracing.SpanAttributes.KindTask);
                return;
            }
        }
    }

    private sealed class Entry
    {
        public RoundTrips? Deferred { get; set; }

        public int Calls { get; set; }
    }
}
