using Raindrop.Delivery;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>The delivery stage's small parts, alone: the request window and the held-item count.</summary>
public sealed class DeliveryPartsTests
{
    [Fact]
    public async Task The_window_lets_max_requests_run_while_healthy_and_one_while_failing()
    {
        var window = new RequestWindow(max: 2);
        var first = new TaskCompletionSource();
        var second = new TaskCompletionSource();
        await window.WaitForSlotAsync(null);
        window.Add(first.Task, null);
        Assert.True(window.WaitForSlotAsync(null).IsCompleted); // a second slot is free
        window.Add(second.Task, null);

        var third = window.WaitForSlotAsync(null);
        Assert.False(third.IsCompleted); // full
        first.SetResult();
        await third.WaitAsync(TimeSpan.FromSeconds(5));

        window.RecordFailure();
        Assert.True(window.Failing);
        var whileFailing = window.WaitForSlotAsync(null);
        Assert.False(whileFailing.IsCompleted); // one request at a time while the server fails
        second.SetResult();
        await whileFailing.WaitAsync(TimeSpan.FromSeconds(5));
        window.RecordSuccess();
        Assert.False(window.Failing);
    }

    [Fact]
    public async Task The_window_never_runs_two_requests_with_the_same_order_key()
    {
        var window = new RequestWindow(max: 4);
        var update = new TaskCompletionSource();
        window.Add(update.Task, "evt-1");

        Assert.True(window.WaitForSlotAsync("evt-2").IsCompleted);
        var same = window.WaitForSlotAsync("evt-1");
        Assert.False(same.IsCompleted);
        update.SetResult();
        await same.WaitAsync(TimeSpan.FromSeconds(5));
        await window.AllEnded().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Held_items_are_settled_once_by_the_loop_or_by_close()
    {
        var held = new HeldItems();
        for (var i = 0; i < 5; i++)
        {
            held.Add();
        }

        Assert.Equal(3, held.Claim(3));
        Assert.Equal(2, held.ClaimAll()); // close counts what is left
        Assert.Equal(0, held.Claim(2)); // the loop finds them counted already
        Assert.Equal(0, held.ClaimAll());
    }
}
