using System.Buffers;
using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>
/// Writes a batch of items to request bodies of at most <c>maxBodyBytes</c>, each item once. An item that alone is over
/// the limit is shrunk (its longest strings cut with the truncation marker, then its properties left out) so it is
/// sent, never dropped whole; shrunk and unwritable items are counted in <paramref name="outcomes"/>, if given. Used by
/// one loop at a time: its buffers are reused batch after batch.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Its writer holds no resource: it writes to a reused buffer.")]
internal sealed class BatchSerializer(int maxBodyBytes, Route? route = null, Outcomes? outcomes = null)
{
    private const int MinStringCap = 64;
    private readonly WireContext _context = new();
    private readonly ArrayBufferWriter<byte> _scratch = new(4096);
    private readonly Utf8JsonWriter _writer = new(Stream.Null, WireFormat.WriterOptions);
    private readonly List<QueuedItem> _current = [];
    private readonly List<RequestBody> _bodies = [];
    private ArrayBufferWriter<byte> _array = new(64 * 1024);
    private int _shrunk;
    private int _failed;

    /// <summary>The bodies of <paramref name="items"/> (a JSON array each, or one object each), in a list the next call reuses.</summary>
    public List<RequestBody> Serialize(IReadOnlyList<QueuedItem> items, bool asArray)
    {
        if (_array.Capacity > 4 * maxBodyBytes)
        {
            _array = new ArrayBufferWriter<byte>(64 * 1024); // don't keep a buffer that one huge batch grew
        }

        (_shrunk, _failed) = (0, 0);
        _bodies.Clear();
        _current.Clear();
        _array.ResetWrittenCount();
        foreach (var item in items)
        {
            if (!Write(item, asArray ? maxBodyBytes - 2 : maxBodyBytes))
            {
                _failed++;
            }
            else if (!asArray)
            {
                _bodies.Add(new RequestBody(_scratch.WrittenSpan, null, item.OrderKey));
            }
            else
            {
                // As many items per body as fit under the limit, with the brackets and commas.
                if (_current.Count > 0 && _array.WrittenCount + _scratch.WrittenCount + 2 > maxBodyBytes)
                {
                    EndArray();
                }

                _array.Write(_current.Count == 0 ? "["u8 : ","u8);
                _array.Write(_scratch.WrittenSpan);
                _current.Add(item);
            }
        }

        EndArray();
        if (outcomes is not null && route is not null)
        {
            if (_shrunk > 0)
            {
                outcomes.Shrunk(route, _shrunk);
            }

            outcomes.Failed(route, _failed);
        }

        return _bodies;
    }

    private void EndArray()
    {
        if (_current.Count > 0)
        {
            _array.Write("]"u8);
            _bodies.Add(new RequestBody(_array.WrittenSpan, [.. _current], null));
            _current.Clear();
            _array.ResetWrittenCount();
        }
    }

    /// <summary>Writes the item to the scratch buffer, shrunk if it must be; false if it cannot be written under the limit.</summary>
    private bool Write(QueuedItem item, int maxItem)
    {
        if (!TryWrite(item, int.MaxValue, WriteMode.Full))
        {
            // A property value that cannot be written: keep the event, without its properties, rather than lose it.
            return Shrunk(TryWrite(item, MinStringCap, WriteMode.Bare) && _scratch.WrittenCount <= maxItem);
        }

        if (_scratch.WrittenCount <= maxItem)
        {
            return true;
        }

        // Too large: halve the longest string allowed until it fits, then keep what fits of the properties, then none.
        for (var cap = maxItem / 2; cap >= MinStringCap; cap /= 2)
        {
            if (TryWrite(item, cap, WriteMode.Full) && _scratch.WrittenCount <= maxItem)
            {
                return Shrunk(true);
            }
        }

        return Shrunk((TryWrite(item, MinStringCap, WriteMode.Budgeted) && _scratch.WrittenCount <= maxItem)
            || (TryWrite(item, MinStringCap, WriteMode.Bare) && _scratch.WrittenCount <= maxItem));
    }

    private bool Shrunk(bool fits)
    {
        _shrunk += fits ? 1 : 0; // only a shrink that produced an item under the limit is counted (and logged)
        return fits;
    }

    private bool TryWrite(QueuedItem item, int cap, WriteMode mode)
    {
        _scratch.ResetWrittenCount();
        _writer.Reset(_scratch);
        try
        {
            item.WriteTo(_writer, _context, cap, mode);
            _writer.Flush();
            return true;
        }
        catch (Exception)
        {
            return false; // values are snapshots, so this is a last resort: the item is written smaller or bare
        }
    }
}
