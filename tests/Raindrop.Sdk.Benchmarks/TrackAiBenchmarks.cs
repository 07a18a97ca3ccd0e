using BenchmarkDotNet.Attributes;

namespace Raindrop.Benchmarks;

/// <summary>
/// What <c>TrackAi</c>, <c>Track</c> and <c>TrackSignal</c> cost the calling thread: validation, copying, the
/// event id, and the enqueue (plus dropping the oldest queued item; see <see cref="BenchSetup"/>). Nothing is sent.
/// </summary>
[MemoryDiagnoser]
public class TrackAiBenchmarks
{
    private readonly AiEvent _aiEvent = new()
    {
        UserId = BenchSetup.UserId,
        Event = "chat_message",
        Input = BenchSetup.Input,
        Output = BenchSetup.Output,
        Model = BenchSetup.Model,
        ConvoId = BenchSetup.ConvoId,
        Properties = BenchSetup.Properties,
    };

    private readonly TrackEvent _trackEvent = new()
    {
        UserId = BenchSetup.UserId,
        Event = "checkout_completed",
        Properties = BenchSetup.Properties,
    };

    private readonly Signal _signal = new()
    {
        EventId = "5b2f6a8e-3c1d-4e7f-9a0b-1c2d3e4f5a6b",
        Name = "thumbs_down",
        Type = SignalType.Feedback,
        Sentiment = Sentiment.Negative,
        Comment = "The replacement date was wrong.",
    };

    private RaindropClient _client = null!;
    private ParkingHandler _handler = null!;

    [GlobalSetup(Targets = [nameof(TrackAi), nameof(Track)])]
    public void SetupEvents()
    {
        (_client, _handler) = BenchSetup.CreateClient();
        BenchSetup.Prime(_handler, routes: 1, () => _client.TrackAi(_aiEvent));
    }

    [GlobalSetup(Target = nameof(TrackSignal))]
    public void SetupSignals()
    {
        (_client, _handler) = BenchSetup.CreateClient();
        BenchSetup.Prime(_handler, routes: 1, () => _client.TrackSignal(_signal));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_client is not null)
        {
            BenchSetup.Close(_client, _handler, nameof(TrackAiBenchmarks));
        }
    }

    [Benchmark]
    public string TrackAi() => _client.TrackAi(_aiEvent);

    [Benchmark]
    public string Track() => _client.Track(_trackEvent);

    [Benchmark]
    public void TrackSignal() => _client.TrackSignal(_signal);

    /// <summary>Reference, not SDK code: the new event id each TrackAi/Track/Begin makes (<c>Guid.NewGuid</c>, one getrandom call on Linux).</summary>
    [Benchmark]
    public string NewEventId_Reference() => Guid.NewGuid().ToString();
}
