using BenchmarkDotNet.Attributes;
using Raindrop.Delivery;
using Raindrop.Serialization;

namespace Raindrop.Benchmarks;

/// <summary>
/// The background worker's cost per batch: writing 100 typical events to one <c>events/track</c> body
/// (1 MiB limit, as in production). The serializer is built once, as each route's worker builds it once.
/// </summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    public const int Count = 100;

    private BatchSerializer _serializer = null!;
    private List<QueuedItem> _items = null!;

    [GlobalSetup]
    public void Setup()
    {
        _serializer = new BatchSerializer(1024 * 1024);
        var timestamp = new DateTimeOffset(2025, 11, 26, 9, 30, 0, TimeSpan.Zero);
        _items = new List<QueuedItem>(Count);
        for (var i = 0; i < Count; i++)
        {
            _items.Add(new EventItem(
                eventId: Guid.NewGuid().ToString(),
                userId: BenchSetup.UserId,
                eventName: "chat_message",
                timestamp: timestamp.AddMilliseconds(i * 37),
                properties: PropertyBag.From(BenchSetup.Properties.ToArray()),
                attachments: null,
                input: BenchSetup.Input,
                output: BenchSetup.Output,
                model: BenchSetup.Model,
                convoId: BenchSetup.ConvoId,
                isPending: null));
        }

        var bodies = _serializer.Serialize(_items, asArray: true);
        if (bodies.Count != 1 || bodies[0].Count != Count)
        {
            throw new InvalidOperationException($"Expected one body of {Count} items, got {bodies.Count}.");
        }

        // MB/s = this / Mean (printed once, for RESULTS.md).
        Console.WriteLine($"// Serialize100 body: {bodies[0].Content.Length} bytes");
        bodies[0].Release();
    }

    /// <summary>One batch written to its body, which then goes back to the pool as after a 2xx (production does the same).</summary>
    [Benchmark]
    public int Serialize100()
    {
        var bodies = _serializer.Serialize(_items, asArray: true);
        var bytes = 0;
        foreach (var body in bodies)
        {
            bytes += body.Content.Length;
            body.Release();
        }

        return bytes;
    }
}
