namespace Raindrop.Delivery;

/// <summary>
/// How many items a route's loop has taken off its queue but not yet handed to a request: what the close deadline
/// counts as dropped if it comes first. Each item is settled exactly once, by the loop (<see cref="Claim"/>) or by
/// close (<see cref="ClaimAll"/>); hold <see cref="Gate"/> to make a claim and what follows it atomic with close.
/// </summary>
internal sealed class HeldItems
{
    private int _count;

    public object Gate { get; } = new();

    public void Add() => Interlocked.Increment(ref _count);

    /// <summary>Takes up to <paramref name="n"/> items; fewer when close has already counted them.</summary>
    public int Claim(int n)
    {
        int held, claimed;
        do
        {
            held = Volatile.Read(ref _count);
            claimed = Math.Min(held, n);
        }
        while (Interlocked.CompareExchange(ref _count, held - claimed, held) != held);
        return claimed;
    }

    /// <summary>Takes every held item (close).</summary>
    public int ClaimAll() => Interlocked.Exchange(ref _count, 0);
}
