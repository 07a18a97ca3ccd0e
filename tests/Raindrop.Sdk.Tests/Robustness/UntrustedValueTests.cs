using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Robustness;

/// <summary>
/// WIRE.md §2: every value the app hands over is untrusted. A value that throws (any exception type, any shape)
/// costs only itself: it is written as a short description, counted and warned about; the rest of its event and
/// of its batch is delivered, and no call, flush, finish or dispose throws because of it.
/// </summary>
public sealed class UntrustedValueTests
{
    private static IEnumerable<int> ThrowingQuery() => new[] { 1, 0 }.Select(x => 10 / x);

    public static TheoryData<string, Func<object?>, string> ThrowingValues() => new()
    {
        { "lazy LINQ query", () => ThrowingQuery(), "\"[unserializable: DivideByZeroException]\"" },
        { "throwing getter", () => new Order("o-1"), "\"[unserializable: NullReferenceException]\"" },
        { "throwing enumerator", () => new Faulty(new InvalidOperationException("closed connection")), "\"[unserializable: InvalidOperationException]\"" },
        { "custom exception type", () => new Faulty(new CustomDbException()), "\"[unserializable: CustomDbException]\"" },
        { "stream", () => new MemoryStream([1, 2, 3]), "\"[unserializable: MemoryStream]\"" },
        { "nested lazy query", () => new Dictionary<string, object?> { ["rows"] = ThrowingQuery() }, "{\"rows\":\"[unserializable: DivideByZeroException]\"}" },
        { "record cycle", () => Node.Cycle(), "\"[unserializable: JsonException]\"" },
        { "disposed JsonElement", () => DisposedElement(), "\"[unserializable: ObjectDisposedException]\"" },
    };

    [Theory]
    [MemberData(nameof(ThrowingValues))]
    public async Task A_throwing_property_costs_only_itself_in_TrackAi(string kind, Func<object?> make, string expected)
    {
        using var api = new FakeApi();
        using var logs = new FakeLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var client = api.Client(o => o.LoggerFactory = loggerFactory);

        var id = client.TrackAi(new AiEvent
        {
            UserId = "u",
            Event = "e",
            Input = kind,
            Properties = new Dictionary<string, object?> { ["bad"] = make(), ["good"] = "kept", ["n"] = 7 },
        });

        Assert.True(await client.FlushAsync());
        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal(id, (string?)item["event_id"]);
        Assert.Equal(kind, (string?)item["ai_data"]!["input"]);
        Assert.Equal("kept", (string?)item["properties"]!["good"]);
        Assert.Equal(7, (int)item["properties"]!["n"]!);
        Assert.Equal(expected, item["properties"]!["bad"]!.ToJsonString());
        Assert.True(client.Statistics.UnserializableValues >= 1);
        Assert.Contains(logs.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("could not serialize", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_record_with_a_throwing_getter_loses_nothing_else_of_its_batch_of_ten()
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.FlushInterval = TimeSpan.FromSeconds(30));
        for (var i = 0; i < 10; i++)
        {
            client.Track(new TrackEvent
            {
                UserId = "u",
                Event = "e",
                EventId = "evt-" + i,
                Properties = new Dictionary<string, object?> { ["order"] = i == 4 ? new Order("bad") : new OkOrder("ok") },
            });
        }

        Assert.True(await client.FlushAsync());
        var items = api.Items("events/track");
        Assert.Equal(10, items.Count);
        Assert.Equal("[unserializable: NullReferenceException]", (string?)items.Single(x => (string?)x["event_id"] == "evt-4")["properties"]!["order"]);
        Assert.All(items.Where(x => (string?)x["event_id"] != "evt-4"), x => Assert.Equal("ok", (string?)x["properties"]!["order"]!["Id"]));
        Assert.Equal(0, client.Statistics.Failed);
    }

    [Fact]
    public async Task A_lazy_sequence_is_enumerated_exactly_once_on_the_callers_thread_at_the_call()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var enumerations = 0;
        var threads = new List<int>();
        var source = new List<int> { 1, 2 };
        IEnumerable<int> Lazy()
        {
            enumerations++;
            threads.Add(Environment.CurrentManagedThreadId);
            foreach (var x in source)
            {
                yield return x * 10;
            }
        }

        var caller = Environment.CurrentManagedThreadId;
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i", Properties = new Dictionary<string, object?> { ["xs"] = Lazy() } });
        source.Add(3); // what the app meant was the value at the call

        Assert.True(await client.FlushAsync());
        Assert.Equal(1, enumerations);
        Assert.Equal([caller], threads);
        Assert.Equal("[10,20]", api.Items("events/track").Single()["properties"]!["xs"]!.ToJsonString());
    }

    [Fact]
    public async Task Json_trees_that_only_fail_inside_the_writer_are_repaired_and_their_siblings_kept()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var tree = new JsonObject
        {
            ["nan"] = JsonValue.Create(double.NaN),
            ["inf"] = JsonValue.Create(float.PositiveInfinity),
            ["lone"] = JsonNode.Parse("\"a\\uD800b\""),
            ["ok"] = "fine",
            ["deep"] = new JsonArray(1, 2, new JsonObject { ["x"] = JsonNode.Parse("\"\\uDC00\"") }),
        };
        using var doc = JsonDocument.Parse("{\"k\":\"\\uD83D\",\"v\":1}");

        client.Identify("user-1", new Dictionary<string, object?> { ["tree"] = tree, ["element"] = doc.RootElement, ["plan"] = "paid" });

        Assert.True(await client.FlushAsync());
        var traits = api.Items("users/identify").Single()["traits"]!;
        Assert.Null(traits["tree"]!["nan"]);
        Assert.Null(traits["tree"]!["inf"]);
        Assert.Equal("a\uFFFDb", (string?)traits["tree"]!["lone"]);
        Assert.Equal("fine", (string?)traits["tree"]!["ok"]);
        Assert.Equal("\uFFFD", (string?)traits["tree"]!["deep"]![2]!["x"]);
        Assert.Equal("\uFFFD", (string?)traits["element"]!["k"]);
        Assert.Equal(1, (int)traits["element"]!["v"]!);
        Assert.Equal("paid", (string?)traits["plan"]);
    }

    [Fact]
    public async Task Self_containing_dictionaries_are_described_as_a_cycle_not_walked_exponentially()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        var d = new Dictionary<string, object?> { ["name"] = "d" };
        d["a"] = d;
        d["b"] = d; // without cycle detection: 2^900 paths

        client.TrackSignal(new Signal { EventId = "e1", Name = "thumbs_up", Properties = new Dictionary<string, object?> { ["d"] = d, ["ok"] = true } });

        Assert.True(await client.FlushAsync());
        var props = api.Items("signals/track").Single()["properties"]!;
        Assert.Equal("d", (string?)props["d"]!["name"]);
        Assert.Equal("[unserializable: cycle]", (string?)props["d"]!["a"]);
        Assert.True((bool)props["ok"]!);
    }

    [Fact]
    public async Task A_dictionary_that_throws_while_copied_keeps_what_was_read_and_the_event()
    {
        using var api = new FakeApi();
        await using var client = api.Client();

        // An event record's Properties is a Dictionary, which cannot throw while read: the calls that take any
        // IReadOnlyDictionary (FinishAsync, SetProperties, Identify) still can be handed one that does.
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "e", EventId = "throwing-props", Input = "i" });
        await interaction.FinishAsync(properties: new ThrowingDictionary());

        Assert.True(await client.FlushAsync());
        var props = api.Items("events/track_partial").Single(p => (string?)p["event_id"] == "throwing-props" && !(bool)p["is_pending"]!)["properties"]!;
        Assert.Equal("first", (string?)props["a"]);
        Assert.Equal("[unserializable: IOException]", (string?)props["$raindrop_unserializable"]);
    }

    [Fact]
    public async Task A_throwing_value_on_an_interaction_never_reaches_Flush_Finish_or_Dispose_and_everything_is_sent()
    {
        using var api = new FakeApi();
        var client = api.Client();
        var interaction = client.Begin(new InteractionOptions { UserId = "u", Event = "chat", Input = "hi", Properties = new Dictionary<string, object?> { ["q"] = ThrowingQuery() } });
        interaction.SetProperty("rows", ThrowingQuery());
        interaction.SetProperty("order", new Order("x"));
        interaction.SetProperties(new Dictionary<string, object?> { ["more"] = new Faulty(new TimeoutException()), ["fine"] = 1 });
        var other = client.Begin(new InteractionOptions { UserId = "u2", Event = "chat", Input = "other" });
        other.SetProperty("k", "v");
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Output = "queued before dispose" });

        Assert.True(await client.FlushAsync());
        await interaction.FinishAsync(output: "done", properties: new Dictionary<string, object?> { ["late"] = ThrowingQuery() });
        await client.DisposeAsync();

        var partial = api.Items("events/track_partial");
        var mine = partial.Where(p => (string?)p["event_id"] == interaction.EventId).ToList();
        var merged = mine.SelectMany(p => p["properties"]!.AsObject()).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value?.ToJsonString());
        Assert.Equal("\"[unserializable: DivideByZeroException]\"", merged["rows"]);
        Assert.Equal("\"[unserializable: NullReferenceException]\"", merged["order"]);
        Assert.Equal("\"[unserializable: TimeoutException]\"", merged["more"]);
        Assert.Equal("1", merged["fine"]);
        Assert.Contains(mine, p => (bool?)p["is_pending"] == false && (string?)p["ai_data"]?["output"] == "done");
        Assert.Contains(partial, p => (string?)p["event_id"] == other.EventId && (bool?)p["is_pending"] == true);
        Assert.Single(api.Items("events/track"));
    }

    [Fact]
    public async Task A_custom_attachment_list_that_throws_keeps_the_event()
    {
        using var api = new FakeApi();
        await using var client = api.Client();
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "i", Attachments = new ThrowingAttachments() });

        Assert.True(await client.FlushAsync());
        var item = api.Items("events/track").Single();
        Assert.Equal("first", (string?)item["attachments"]![0]!["value"]);
    }

    private static JsonElement DisposedElement()
    {
        var doc = JsonDocument.Parse("{\"a\":1}");
        var element = doc.RootElement;
        doc.Dispose();
        return element;
    }

    public sealed record Order(string Id)
    {
        public string Customer => throw new NullReferenceException("lazy navigation property");
    }

    public sealed record OkOrder(string Id);

    public sealed class Node
    {
        public Node? Next { get; set; }

        public static Node Cycle()
        {
            var n = new Node();
            n.Next = n;
            return n;
        }
    }

    public sealed class CustomDbException() : Exception("the reader was closed");

    /// <summary>A sequence whose enumeration throws the given exception after one item.</summary>
    private sealed class Faulty(Exception error) : IEnumerable<int>
    {
        public IEnumerator<int> GetEnumerator()
        {
            yield return 1;
            throw error;
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class ThrowingDictionary : IReadOnlyDictionary<string, object?>
    {
        public int Count => 2;

        public IEnumerable<string> Keys => throw new NotSupportedException();

        public IEnumerable<object?> Values => throw new NotSupportedException();

        public object? this[string key] => throw new NotSupportedException();

        public bool ContainsKey(string key) => false;

        public bool TryGetValue(string key, out object? value) => throw new NotSupportedException();

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return new("a", "first");
            throw new IOException("the backing store went away");
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class ThrowingAttachments : IReadOnlyList<Attachment>
    {
        public int Count => 2;

        public Attachment this[int index] => index == 0 ? new Attachment { Type = AttachmentType.Text, Role = AttachmentRole.Input, Value = "first" } : throw new InvalidOperationException();

        public IEnumerator<Attachment> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
