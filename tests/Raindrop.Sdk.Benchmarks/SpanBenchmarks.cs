using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Raindrop.Tracing;

namespace Raindrop.Benchmarks;

/// <summary>
/// <c>interaction.WithToolAsync</c> when nothing listens to the <c>Raindrop.Sdk</c> source (the client starts no
/// TracerProvider), against just awaiting the same delegate. The listening case is <see cref="SpanListenerBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class SpanBenchmarks
{
    private static readonly Func<Task<int>> Work = () => Task.FromResult(42);

    private RaindropClient _client = null!;
    private ParkingHandler _handler = null!;
    private IInteraction _interaction = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_client, _handler) = BenchSetup.CreateClient();
        _interaction = _client.Begin(new InteractionOptions { UserId = BenchSetup.UserId, Event = "chat_message", Input = BenchSetup.Input });
        if (RaindropActivitySource.Source.HasListeners())
        {
            throw new InvalidOperationException("Something listens to Raindrop.Sdk: this class measures the no-listener path.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => BenchSetup.Close(_client, _handler, nameof(SpanBenchmarks));

    [Benchmark(Baseline = true)]
    public async Task<int> AwaitDelegate() => await Work();

    [Benchmark]
    public async Task<int> WithToolAsync_NoListener() => await _interaction.WithToolAsync("t", Work);
}

/// <summary>
/// <c>interaction.WithToolAsync</c> with an <see cref="ActivityListener"/> that records everything from
/// <c>Raindrop.Sdk</c>: the span is created, tagged with the interaction, and given the result as its output.
/// Spans go nowhere (the listener exports nothing). In its own class so the listener never affects
/// <see cref="SpanBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class SpanListenerBenchmarks
{
    private static readonly Func<Task<int>> Work = () => Task.FromResult(42);

    private RaindropClient _client = null!;
    private ParkingHandler _handler = null!;
    private IInteraction _interaction = null!;
    private ActivityListener _listener = null!;

    [GlobalSetup]
    public void Setup()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RaindropActivitySource.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            SampleUsingParentId = static (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        (_client, _handler) = BenchSetup.CreateClient();
        _interaction = _client.Begin(new InteractionOptions { UserId = BenchSetup.UserId, Event = "chat_message", Input = BenchSetup.Input });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        BenchSetup.Close(_client, _handler, nameof(SpanListenerBenchmarks));
        _listener.Dispose();
    }

    [Benchmark]
    public async Task<int> WithToolAsync_Listener() => await _interaction.WithToolAsync("t", Work);
}
