using Raindrop.Sdk.Tests.TestSupport;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>
/// WIRE.md §5: a server that answers 20% of requests with 503 at random (on every route) loses nothing, and a close
/// with the default options drains everything well before <c>CloseTimeout</c>: a sporadic failure does not narrow the
/// route to one request in flight, and the close drain uses the whole window.
/// </summary>
public sealed class FlappingServerTests
{
    [Fact]
    public async Task Against_a_server_failing_one_answer_in_five_nothing_is_lost_and_dispose_keeps_well_inside_its_deadline()
    {
        using var api = new FakeApi();
        var random = new Random(20261205); // seeded: the same answers on every run
        api.Server.Given(Request.Create().UsingPost()).AtPriority(1).RespondWith(Response.Create().WithCallback(_ =>
        {
            bool fail;
            lock (random)
            {
                fail = random.NextDouble() < 0.2;
            }

            return new ResponseMessage { StatusCode = fail ? 503 : 204 };
        }));

        // The default options but the endpoint: default batch interval, retry delays, window and close deadline.
        var options = new RaindropOptions { WriteKey = "test-write-key", Endpoint = api.Endpoint };
        await using var client = new RaindropClient(options);
        for (var i = 0; i < 300; i++)
        {
            var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", EventId = "int-" + i, Input = "hi" });
            interaction.SetProperty("step", i);
            await interaction.FinishAsync(output: "bye");
            client.Track(new TrackEvent { UserId = "u", Event = "e", EventId = "ev-" + i });
            if (i % 3 == 0)
            {
                client.TrackSignal(new Signal { EventId = "ev-" + i, Name = "thumbs_up" });
            }
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var took = started.Elapsed;

        Assert.Equal(0, client.Statistics.Dropped);
        Assert.Equal(0, client.Statistics.Failed);
        var finals = api.Items("events/track_partial").Where(i => (bool?)i["is_pending"] == false).Select(i => (string?)i["event_id"]).ToHashSet();
        Assert.Equal(300, finals.Count);
        Assert.Equal(300, api.Items("events/track").Select(i => (string?)i["event_id"]).Distinct().Count());
        Assert.Equal(100, api.Items("signals/track").Select(i => (string?)i["event_id"]).Distinct().Count());
        Assert.True(took < options.CloseTimeout, $"dispose took {took}");
    }
}
