using BenchmarkDotNet.Attributes;

namespace Raindrop.Benchmarks;

/// <summary>
/// An interaction's caller cost: a whole short interaction (<c>Begin</c>, one <c>SetProperty</c>,
/// <c>FinishAsync</c>) as one operation, and <c>SetProperty</c> alone on an interaction that stays open.
/// Finished interactions are queued on the partial route and never sent (see <see cref="BenchSetup"/>).
/// </summary>
[MemoryDiagnoser]
public class InteractionBenchmarks
{
    private static readonly object ToolCalls = 2; // boxed once: the benchmark measures the SDK, not boxing

    private readonly InteractionOptions _begin = new()
    {
        UserId = BenchSetup.UserId,
        Event = "chat_message",
        Input = BenchSetup.Input,
        Model = BenchSetup.Model,
        ConvoId = BenchSetup.ConvoId,
        Properties = BenchSetup.Properties,
    };

    private RaindropClient _client = null!;
    private ParkingHandler _handler = null!;
    private IInteraction _open = null!;

    [GlobalSetup(Target = nameof(BeginSetPropertyFinish))]
    public void SetupInteractions()
    {
        (_client, _handler) = BenchSetup.CreateClient();
        BenchSetup.Prime(_handler, routes: 1, () => BeginSetPropertyFinish().GetAwaiter().GetResult());
    }

    [GlobalSetup(Target = nameof(SetProperty))]
    public void SetupOpen()
    {
        (_client, _handler) = BenchSetup.CreateClient();
        _open = _client.Begin(_begin);
    }

    [GlobalCleanup]
    public void Cleanup() => BenchSetup.Close(_client, _handler, nameof(InteractionBenchmarks));

    [Benchmark]
    public Task BeginSetPropertyFinish()
    {
        var interaction = _client.Begin(_begin);
        interaction.SetProperty("tool_calls", ToolCalls);
        return interaction.FinishAsync(BenchSetup.Output);
    }

    [Benchmark]
    public void SetProperty() => _open.SetProperty("tool_calls", ToolCalls);
}
