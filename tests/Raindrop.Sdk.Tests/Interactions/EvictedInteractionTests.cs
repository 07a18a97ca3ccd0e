using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Raindrop.Sdk.Tests.Delivery;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Interactions;

/// <summary>
/// WIRE.md §5: the registry's bound (<c>MaxOpenInteractions</c>) never loses what the app records: an evicted
/// interaction's later updates and finish are still sent as updates for its event_id, and the eviction is logged.
/// </summary>
public sealed class EvictedInteractionTests
{
    [Fact]
    public async Task Interactions_evicted_past_MaxOpenInteractions_still_send_what_is_recorded_on_them_afterwards()
    {
        using var api = new FakeApi();
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero)); // no quiet-period sweep meanwhile
        await using var client = api.Client(o =>
        {
            o.MaxOpenInteractions = 10_000;
            o.TimeProvider = clock;
            o.LoggerFactory = factory;
            o.CloseTimeout = TimeSpan.FromSeconds(60); // close sends 10,000 open interactions too: room for all of them
        });

        var interactions = new List<IInteraction>();
        for (var i = 0; i < 12_000; i++)
        {
            interactions.Add(client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = "i-" + i, Input = "hi" }));
        }

        Assert.Contains(logs.Records, r => r.Level == LogLevel.Warning && r.Message.Contains("open interactions", StringComparison.Ordinal));

        // The 2,000 oldest were evicted: record on them after the fact; half finish, half are left open until close.
        for (var i = 0; i < 2_000; i++)
        {
            interactions[i].SetProperty("after_eviction", i);
            interactions[i].AddAttachments(new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Output, Value = "late-" + i });
            if (i % 2 == 0)
            {
                await interactions[i].FinishAsync(output: "done");
            }
        }

        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(90));

        var items = api.Items("events/track_partial");
        for (var i = 0; i < 2_000; i++)
        {
            var mine = items.Where(x => (string?)x["event_id"] == "i-" + i).ToList();
            Assert.Contains(mine, x => (int?)x["properties"]?["after_eviction"] == i);
            Assert.Contains(mine, x => x["attachments"]!.AsArray().Any(a => (string?)a!["value"] == "late-" + i));
            if (i % 2 == 0)
            {
                Assert.Contains(mine, x => (bool?)x["is_pending"] == false && (string?)x["ai_data"]?["output"] == "done");
            }
        }

        Assert.Equal(0, client.Statistics.Dropped);
    }
}
