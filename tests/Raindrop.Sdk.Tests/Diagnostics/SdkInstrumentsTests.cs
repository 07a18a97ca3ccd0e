using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Raindrop.Diagnostics;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Diagnostics;

/// <summary>The meter is made on a pool thread when there is first something to count; nothing counted before is lost.</summary>
public class SdkInstrumentsTests
{
    [Fact]
    public async Task What_was_counted_before_the_meter_existed_reaches_a_listener_once_it_does()
    {
        // Other tests' clients publish on meters with the same name at the same time: keyed by meter instance.
        var seen = new ConcurrentDictionary<(Meter Meter, string Name, string? Route), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Raindrop.Sdk")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? route = null;
            foreach (var tag in tags)
            {
                route = tag.Key == "route" ? tag.Value as string : route;
            }

            seen.AddOrUpdate((instrument.Meter, instrument.Name, route), value, (_, sum) => sum + value);
        });
        listener.Start();

        using var instruments = new SdkInstruments();
        Assert.Null(instruments.Meter); // nothing counted yet: no meter made

        instruments.Add(SdkInstruments.Enqueued, "events/track", 2);
        instruments.Add(SdkInstruments.Enqueued, "events/track", 3);
        instruments.Add(SdkInstruments.Unserializable, route: null, 1);
        Assert.True(await FakeApi.Eventually(() => instruments.Meter is not null), "the meter was never made");
        instruments.Add(SdkInstruments.Enqueued, "events/track", 4);

        var meter = instruments.Meter!;
        Assert.Equal(9, seen.GetValueOrDefault((meter, "raindrop.items.enqueued", "events/track")));
        Assert.Equal(1, seen.GetValueOrDefault((meter, "raindrop.values.unserializable", null)));
    }

    [Fact]
    public async Task After_dispose_nothing_more_is_recorded_whether_or_not_the_meter_was_made()
    {
        var route = "after-dispose-" + Guid.NewGuid().ToString("N");
        var recorded = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Raindrop.Sdk")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "route" && (tag.Value as string) == route)
                {
                    Interlocked.Increment(ref recorded);
                }
            }
        });
        listener.Start();

        // Disposed once the meter is made ...
        var made = new SdkInstruments();
        made.Add(SdkInstruments.Sent, "events/track", 1);
        Assert.True(await FakeApi.Eventually(() => made.Meter is not null), "the meter was never made");
        made.Dispose();
        made.Add(SdkInstruments.Sent, route, 1);

        // ... and disposed while it may still be being made.
        var racing = new SdkInstruments();
        racing.Add(SdkInstruments.Sent, "events/track", 1);
        racing.Dispose();
        await Task.Delay(100);
        racing.Add(SdkInstruments.Sent, route, 1);

        Assert.Equal(0, Volatile.Read(ref recorded));
    }
}
