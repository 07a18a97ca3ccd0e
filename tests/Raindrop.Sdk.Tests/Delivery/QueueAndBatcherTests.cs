using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Raindrop.Delivery;
using Raindrop.Serialization;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>The route's queue (bounds, drop-oldest, close, wake-ups) and batcher (count, bytes, interval), alone.</summary>
public sealed class QueueAndBatcherTests
{
    [Fact]
    public void A_producer_over_the_item_bound_evicts_the_oldest_and_says_how_many()
    {
        var queue = new ItemQueue(new QueueBudget(maxItems: 3, maxBytes: long.MaxValue));
        var dropped = new List<int>();
        for (var i = 1; i <= 5; i++)
        {
            Assert.True(queue.TryAdd(new TestItem(i, 10), out var d));
            dropped.Add(d);
        }

        Assert.Equal([0, 0, 0, 1, 1], dropped);
        Assert.Equal([3, 4, 5], TakeAll(queue));
    }

    [Fact]
    public void The_byte_bound_evicts_the_oldest_but_keeps_a_newest_item_that_alone_is_over_it()
    {
        var queue = new ItemQueue(new QueueBudget(maxItems: 100, maxBytes: 100));
        Assert.True(queue.TryAdd(new TestItem(1, 40), out _));
        Assert.True(queue.TryAdd(new TestItem(2, 40), out _));
        Assert.True(queue.TryAdd(new TestItem(3, 40), out var d3));
        Assert.Equal(1, d3);
        Assert.True(queue.TryAdd(new TestItem(4, 500), out var d4));
        Assert.Equal(2, d4);
        Assert.Equal([4], TakeAll(queue));
    }

    [Fact]
    public async Task Every_item_leaves_exactly_once_when_producers_race_with_close()
    {
        var queue = new ItemQueue(new QueueBudget(maxItems: 1_000, maxBytes: long.MaxValue));
        long accepted = 0, dropped = 0, taken = 0;
        using var go = new ManualResetEventSlim();
        var producers = Enumerable.Range(0, 3).Select(p => Task.Run(() =>
        {
            go.Wait();
            for (var i = 0; i < 50_000; i++)
            {
                if (queue.TryAdd(new TestItem(i, 1), out var d))
                {
                    Interlocked.Increment(ref accepted);
                }

                Interlocked.Add(ref dropped, d);
            }
        })).ToArray();
        var consumer = Task.Run(() =>
        {
            go.Wait();
            while (!queue.IsClosed)
            {
                while (queue.TryTake(out _))
                {
                    taken++;
                }
            }
        });

        go.Set();
        await Task.Delay(20);
        queue.Close();
        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromSeconds(30));
        await consumer.WaitAsync(TimeSpan.FromSeconds(30));
        var drained = queue.DrainAll();

        Assert.False(queue.TryAdd(new TestItem(-1, 1), out _)); // closed for good
        Assert.Equal(accepted, taken + dropped + drained);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task A_waiting_consumer_wakes_when_the_armed_count_is_reached_and_not_before()
    {
        var queue = new ItemQueue(new QueueBudget(100, long.MaxValue));
        var wait = queue.WaitAsync(3, () => false);
        queue.TryAdd(new TestItem(1, 1), out _);
        queue.TryAdd(new TestItem(2, 1), out _);
        await Task.Yield();
        Assert.False(wait.IsCompleted);
        queue.TryAdd(new TestItem(3, 1), out _);
        await wait.WaitAsync(TimeSpan.FromSeconds(5));

        // Already enough, or a reason to go on: the wait returns at once, and leaves no ring behind for the next one.
        await queue.WaitAsync(2, () => false).WaitAsync(TimeSpan.FromSeconds(5));
        var next = queue.WaitAsync(10, () => false);
        await Task.Yield();
        Assert.False(next.IsCompleted);
        queue.Wake();
        await next.WaitAsync(TimeSpan.FromSeconds(5));
        await queue.WaitAsync(10, () => true).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task No_wake_up_is_lost_between_a_consumer_arming_and_producers_adding()
    {
        // A consumer that only ever sleeps until a batch of 10 is queued (no timer): a missed wake-up leaves it asleep
        // with a full batch waiting, and the test times out.
        const int Total = 200_000;
        var queue = new ItemQueue(new QueueBudget(Total, long.MaxValue));
        var taken = 0;
        var consumer = Task.Run(async () =>
        {
            while (taken < Total)
            {
                while (queue.TryTake(out _))
                {
                    taken++;
                }

                if (taken < Total)
                {
                    await queue.WaitAsync(Math.Min(10, Total - taken), () => false);
                }
            }
        });
        var producers = Enumerable.Range(0, 2).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < Total / 2; i++)
            {
                queue.TryAdd(new TestItem(i, 1), out _);
            }
        }));

        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromSeconds(30));
        await consumer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Total, taken);
    }

    [Fact]
    public void A_batch_is_due_when_full_by_count_or_by_bytes()
    {
        var time = new FakeTimeProvider();
        var byCount = new Batcher(maxItems: 3, maxBytes: 1_000, TimeSpan.FromSeconds(1), time);
        byCount.Add(new TestItem(1, 10));
        byCount.Add(new TestItem(2, 10));
        Assert.False(byCount.IsDue);
        Assert.Equal(1, byCount.Missing);
        byCount.Add(new TestItem(3, 10));
        Assert.True(byCount.IsDue);

        var byBytes = new Batcher(maxItems: 100, maxBytes: 1_000, TimeSpan.FromSeconds(1), time);
        byBytes.Add(new TestItem(1, 600));
        Assert.False(byBytes.IsDue);
        byBytes.Add(new TestItem(2, 600));
        Assert.True(byBytes.IsFull);
        Assert.Equal(1_200, byBytes.Bytes);
    }

    [Fact]
    public void A_partial_batch_is_due_an_interval_after_its_first_item()
    {
        var time = new FakeTimeProvider();
        var batch = new Batcher(maxItems: 100, maxBytes: 1_000_000, TimeSpan.FromMilliseconds(500), time);
        Assert.False(batch.IsDue); // empty is never due

        batch.Add(new TestItem(1, 10));
        time.Advance(TimeSpan.FromMilliseconds(300));
        batch.Add(new TestItem(2, 10)); // a later item does not restart the interval
        Assert.False(batch.IsDue);
        Assert.Equal(TimeSpan.FromMilliseconds(200), batch.TimeLeft);

        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(batch.IsDue);
        Assert.Equal(TimeSpan.FromMilliseconds(1), batch.TimeLeft); // never zero: a timer may fire a little early

        batch.Clear();
        Assert.Equal(0, batch.Count);
        Assert.Equal(0, batch.Bytes);
        time.Advance(TimeSpan.FromSeconds(10));
        batch.Add(new TestItem(3, 10)); // the interval starts again from the next first item
        Assert.False(batch.IsDue);
    }

    private static List<int> TakeAll(ItemQueue queue)
    {
        var ids = new List<int>();
        while (queue.TryTake(out var item))
        {
            ids.Add(((TestItem)item).Id);
        }

        return ids;
    }

    private sealed class TestItem : QueuedItem
    {
        public TestItem(int id, int bytes)
        {
            Id = id;
            EstimatedBytes = bytes;
        }

        public int Id { get; }

        public override void WriteTo(Utf8JsonWriter writer, WireContext context, int stringCap, WriteMode mode) => writer.WriteNumberValue(Id);
    }
}
