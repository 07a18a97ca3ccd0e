using System.Text.Json.Nodes;
using Raindrop.Sdk.Tests.Delivery;
using Raindrop.Sdk.Tests.TestSupport;
using Raindrop.Serialization;

namespace Raindrop.Sdk.Tests.Wire;

/// <summary>An event's properties are kept inline up to two (no array per queued event), in an array past that.</summary>
public class PropertyBagTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Every_size_keeps_every_member_in_order(int count)
    {
        var members = Enumerable.Range(0, count).Select(i => new KeyValuePair<string, object?>("k" + i, i)).ToArray();

        var bag = PropertyBag.From(members);

        Assert.Equal(count, bag.Count);
        Assert.Equal(members, Enumerable.Range(0, bag.Count).Select(i => bag[i]));
        Assert.Throws<ArgumentOutOfRangeException>(() => bag[count]);
    }

    [Fact]
    public void A_small_dictionary_is_snapshotted_inline_and_later_changes_to_its_values_are_not_seen()
    {
        var tags = new List<string> { "a" };
        var properties = new Dictionary<string, object?> { ["plan"] = "pro", ["tags"] = tags };
        var report = default(ValueSnapshot.Report);

        var bag = PropertyBag.Snapshot(properties, ref report);
        tags.Add("added after the call");
        properties["plan"] = "changed after the call";

        Assert.Equal(2, bag.Count);
        Assert.Equal(new("plan", "pro"), bag[0]);
        Assert.Equal("tags", bag[1].Key);
        Assert.Equal(["a"], Assert.IsAssignableFrom<IEnumerable<object?>>(bag[1].Value));
        Assert.Equal(0, report.Failures);
    }

    [Fact]
    public void A_value_that_throws_is_described_and_counted_on_the_inline_path_too()
    {
        var properties = new Dictionary<string, object?> { ["ok"] = 1, ["bad"] = new ThrowingList() };
        var report = default(ValueSnapshot.Report);

        var bag = PropertyBag.Snapshot(properties, ref report);

        Assert.Equal(2, bag.Count);
        Assert.Equal(1, report.Failures);
        Assert.StartsWith("[unserializable:", Assert.IsType<string>(bag[1].Value));
    }

    [Fact]
    public async Task One_two_and_three_properties_reach_the_wire_in_full()
    {
        using var api = new FakeApi();
        await using (var client = api.Client())
        {
            client.TrackAi(DeliveryKit.Ai("one") with { Properties = new Dictionary<string, object?> { ["a"] = 1 } });
            client.TrackAi(DeliveryKit.Ai("two") with { Properties = new Dictionary<string, object?> { ["a"] = 1, ["b"] = "x" } });
            client.TrackAi(DeliveryKit.Ai("three") with { Properties = new Dictionary<string, object?> { ["a"] = 1, ["b"] = "x", ["c"] = true } });
        }

        var byId = api.Items(DeliveryKit.Events).ToDictionary(o => (string)o["event_id"]!);
        Assert.Equal(["a"], UserKeys(byId["one"]));
        Assert.Equal(["a", "b"], UserKeys(byId["two"]));
        Assert.Equal(["a", "b", "c"], UserKeys(byId["three"]));
        Assert.Equal("x", (string?)byId["three"]["properties"]!["b"]);
    }

    [Fact]
    public async Task A_lazy_value_is_enumerated_once_even_when_it_changes_the_dictionary_while_read()
    {
        // WIRE.md §2: a lazy sequence is enumerated exactly once, at the call. A one-shot source (a DB reader) that also
        // changes the dictionary as it runs must not be run again by a fallback copy (found by a breaker review).
        using var api = new FakeApi();
        var properties = new Dictionary<string, object?>();
        var runs = 0;
        IEnumerable<int> Rows()
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                properties["late"] = "x";
                yield return 1;
                yield return 2;
                yield return 3;
            }
        }

        properties["rows"] = Rows();
        await using (var client = api.Client())
        {
            client.TrackAi(DeliveryKit.Ai("lazy") with { Properties = properties });
        }

        var item = Assert.Single(api.Items(DeliveryKit.Events));
        Assert.Equal(3, item["properties"]!["rows"]!.AsArray().Count);
        Assert.Equal(1, runs);
    }

    [Fact]
    public void A_null_key_never_reads_as_the_array_marker()
    {
        // A dictionary changed by another thread mid-read can hand back a null key: it is written as "", and the
        // bag still holds its one or two members (a null first key is how the bag marks "more than two, in an array").
        var one = PropertyBag.Of(null!, 1);
        var two = PropertyBag.Of(null!, new KeyValuePair<string, object?>[] { new("nested", 1) }, "b", 2);

        Assert.Equal(1, one.Count);
        Assert.Equal(new(string.Empty, 1), one[0]);
        Assert.Equal(2, two.Count);
        Assert.Equal(string.Empty, two[0].Key);
    }

    private static List<string> UserKeys(JsonObject item) =>
        item["properties"]!.AsObject().Select(p => p.Key).Where(k => !k.StartsWith('$')).ToList();

    private sealed class ThrowingList : IEnumerable<int>
    {
        public IEnumerator<int> GetEnumerator() => throw new InvalidOperationException("a lazy query that fails");

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
