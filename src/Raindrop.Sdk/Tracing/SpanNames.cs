namespace Raindrop.Tracing;

/// <summary>
/// Span names, <c>&lt;name&gt;.&lt;kind&gt;</c> (<c>chat_message.workflow</c>, <c>search.tool</c>), made once per name
/// and kind rather than per span: apps use a handful of event and tool names. A small fixed table, so an app with
/// unbounded names costs only the misses, never memory.
/// </summary>
internal sealed class SpanNames
{
    private const int Size = 32; // a power of two
    private readonly Entry?[] _entries = new Entry?[Size];

    public string Of(string name, string kind)
    {
        var slot = (name.GetHashCode() ^ kind.GetHashCode()) & (Size - 1);
        var entry = Volatile.Read(ref _entries[slot]);
        if (entry is not null && ReferenceEquals(entry.Kind, kind) && string.Equals(entry.Name, name, StringComparison.Ordinal))
        {
            return entry.Full;
        }

        var full = name + "." + kind;
        Volatile.Write(ref _entries[slot], new Entry(name, kind, full));
        return full;
    }

    private sealed record Entry(string Name, string Kind, string Full);
}
