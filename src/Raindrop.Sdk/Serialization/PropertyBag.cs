namespace Raindrop.Serialization;

/// <summary>
/// An event's snapshotted properties, kept inside the queued event: up to two inline (the common case, no array per
/// event), more in one array. A deep queue is mostly queued events, and each object and byte of them is work for the
/// GC of the app's process (see README, Performance).
/// </summary>
internal readonly struct PropertyBag
{
    // Inline: _key0/_value0 and _key1/_value1 in order (snapshotted keys are never null). More than two: _key0 is
    // null and _value0 holds the array. Empty: all null.
    private readonly string? _key0;
    private readonly object? _value0;
    private readonly string? _key1;
    private readonly object? _value1;

    private PropertyBag(string? key0, object? value0, string? key1, object? value1)
    {
        _key0 = key0;
        _value0 = value0;
        _key1 = key1;
        _value1 = value1;
    }

    /// <summary>The number of properties.</summary>
    public int Count
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get => _key0 is null
            ? (_value0 as KeyValuePair<string, object?>[])?.Length ?? 0
            : _key1 is null ? 1 : 2;
    }

    /// <summary>The property at <paramref name="index"/> (0 to <see cref="Count"/> - 1), in the order snapshotted.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Count"/>.</exception>
    public KeyValuePair<string, object?> this[int index]
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return _key0 is null
                ? ((KeyValuePair<string, object?>[])_value0!)[index]
                : index == 0 ? new(_key0, _value0) : new(_key1!, _value1);
        }
    }

    /// <summary>One property, inline.</summary>
    public static PropertyBag Of(string key, object? value) => new(key ?? string.Empty, value, null, null);

    /// <summary>Two properties, inline.</summary>
    public static PropertyBag Of(string key0, object? value0, string key1, object? value1) =>
        new(key0 ?? string.Empty, value0, key1 ?? string.Empty, value1);

    /// <summary>Wraps snapshotted members (null or empty: no properties); two or fewer are copied inline.</summary>
    public static PropertyBag From(KeyValuePair<string, object?>[]? members) => members switch
    {
        null or { Length: 0 } => default,
        { Length: 1 } => Of(members[0].Key, members[0].Value),
        { Length: 2 } => Of(members[0].Key, members[0].Value, members[1].Key, members[1].Value),
        _ => new(null, members, null, null),
    };

    /// <summary>
    /// Snapshots an event's properties as <see cref="ValueSnapshot.Members"/> does, into a bag: a dictionary of one or
    /// two entries (the common case) is copied without an array.
    /// </summary>
    public static PropertyBag Snapshot(IEnumerable<KeyValuePair<string, object?>>? members, ref ValueSnapshot.Report report)
    {
        if (members is Dictionary<string, object?> { Count: > 0 and <= 2 } d)
        {
            // Read the entries first and snapshot the values after: a dictionary changed while read (by another thread,
            // or by a lazy value's own enumeration) falls back to the general copy before any value was enumerated, so a
            // lazy value is still enumerated exactly once (WIRE.md §2).
            KeyValuePair<string, object?> first, second = default;
            bool two;
            try
            {
                var e = d.GetEnumerator();
                if (!e.MoveNext())
                {
                    return default;
                }

                first = e.Current;
                two = e.MoveNext();
                if (two)
                {
                    second = e.Current;
                }

                if (two && e.MoveNext())
                {
                    return From(ValueSnapshot.Members(members, ref report)); // grew since its count was read
                }
            }
            catch (Exception)
            {
                return From(ValueSnapshot.Members(members, ref report));
            }

            var copy0 = ValueSnapshot.Member(first.Value, ref report);
            var key0 = ValueSnapshot.Key(first.Key, ref report);
            return two ? Of(key0, copy0, ValueSnapshot.Key(second.Key, ref report), ValueSnapshot.Member(second.Value, ref report)) : Of(key0, copy0);
        }

        return From(ValueSnapshot.Members(members, ref report));
    }

    /// <summary>For the size estimate: inline members cost their own estimate, the array its estimate.</summary>
    public long EstimateSize()
    {
        long total = 2;
        for (var i = 0; i < Count; i++)
        {
            var (key, value) = this[i];
            total += (key?.Length ?? 0) + 4 + SizeEstimator.Estimate(value, 1);
        }

        return total;
    }
}
