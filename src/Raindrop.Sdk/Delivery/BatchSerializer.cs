using System.Buffers;
using System.Text.Json;
using Raindrop.Serialization;

namespace Raindrop.Delivery;

/// <summary>
/// Writes a batch of items to request bodies of at most <c>maxBodyBytes</c>. Each item is written once;
/// an item that alone is over the limit is shrunk (its longest strings cut with the truncation marker,
/// then, as a last resort, its properties left out) so it is sent, never dropped whole.
/// </summary>
internal sealed class BatchSerializer
{
    private const int MinStringCap = 64;
    private readonly WireContext _context;
    private readonly int _maxBodyBytes;

    // Reused across batches (one serializer per route worker, used by its loop only): no per-batch buffers.
    private readonly ArrayBufferWriter<byte> _scratch = new(4096);
    private ArrayBufferWriter<byte> _all = new(64 * 1024);

    private int _shrunk;
    private int _failed;

    public BatchSerializer(int maxBodyBytes)
    {
        _context = new WireContext();
        _maxBodyBytes = maxBodyBytes;
    }

    /// <summary>How many items of the batches written since the last call were shrunk to fit, and how many could not be written at all.</summary>
    public (int Shrunk, int Failed) TakeCounts()
    {
        var counts = (_shrunk, _failed);
        _shrunk = 0;
        _failed = 0;
        return counts;
    }

    public List<RequestBody> Serialize(IReadOnlyList<QueuedItem> items, bool asArray)
    {
        var maxItem = asArray ? _maxBodyBytes - 2 : _maxBodyBytes;
        if (_all.Capacity > 4 * _maxBodyBytes)
        {
            _all = new ArrayBufferWriter<byte>(64 * 1024); // don't keep a buffer that one huge batch grew
        }

        var all = _all;
        all.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_scratch, WireFormat.WriterOptions);
        var ranges = new (int Start, int Length)[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (!Write(items[i], writer, _scratch, maxItem))
            {
                _failed++;
                ranges[i] = (all.WrittenCount, 0);
                continue;
            }

            ranges[i] = (all.WrittenCount, _scratch.WrittenCount);
            all.Write(_scratch.WrittenSpan);
        }

        var memory = all.WrittenMemory;
        var bodies = new List<RequestBody>(1);
        var current = new List<ReadOnlyMemory<byte>>(items.Count);
        var size = 2;
        for (var i = 0; i < ranges.Length; i++)
        {
            var (start, length) = ranges[i];
            if (length == 0)
            {
                continue; // could not be written at all (counted as failed)
            }

            var segment = memory.Slice(start, length);
            if (!asArray)
            {
                bodies.Add(RequestBody.Compose([segment], isArray: false, items[i].OrderKey));
                continue;
            }

            if (current.Count > 0 && size + 1 + length > _maxBodyBytes)
            {
                bodies.Add(RequestBody.Compose(current.ToArray(), asArray));
                current.Clear();
                size = 2;
            }

            current.Add(segment);
            size += length + (current.Count > 1 ? 1 : 0);
        }

        if (current.Count > 0)
        {
            bodies.Add(RequestBody.Compose(current.ToArray(), asArray));
        }

        return bodies;
    }

    private bool Write(QueuedItem item, Utf8JsonWriter writer, ArrayBufferWriter<byte> scratch, int maxItem)
    {
        if (!TryWriteOnce(item, writer, scratch, int.MaxValue, WriteMode.Full))
        {
            // A property value that cannot be written: keep the event, without its properties, rather than lose it.
            return Counted(TryWriteOnce(item, writer, scratch, MinStringCap, WriteMode.Bare) && scratch.WrittenCount <= maxItem);
        }

        if (scratch.WrittenCount <= maxItem)
        {
            return true;
        }

        // Too large, or a value that cannot be written (e.g. a collection changed while enumerated): halve the longest
        // string allowed until it fits, then keep what fits of the properties, then none of them. Only a shrink that
        // produced an item under the limit is counted (and logged); one that never fits is not sent at all.
        for (var cap = maxItem / 2; cap >= MinStringCap; cap /= 2)
        {
            if (TryWriteOnce(item, writer, scratch, cap, WriteMode.Full) && scratch.WrittenCount <= maxItem)
            {
                _shrunk++;
                return true;
            }
        }

        return Counted((TryWriteOnce(item, writer, scratch, MinStringCap, WriteMode.Budgeted) && scratch.WrittenCount <= maxItem)
            || (TryWriteOnce(item, writer, scratch, MinStringCap, WriteMode.Bare) && scratch.WrittenCount <= maxItem));
    }

    private bool Counted(bool shrunk)
    {
        _shrunk += shrunk ? 1 : 0;
        return shrunk;
    }

    private bool TryWriteOnce(QueuedItem item, Utf8JsonWriter writer, ArrayBufferWriter<byte> scratch, int cap, WriteMode mode)
    {
        try
        {
            WriteOnce(item, writer, scratch, cap, mode);
            return true;
        }
        catch (Exception)
        {
            // Values are snapshots (ValueSnapshot), so this is a last resort: the item is retried smaller or bare.
            return false;
        }
    }

    private void WriteOnce(QueuedItem item, Utf8JsonWriter writer, ArrayBufferWriter<byte> scratch, int cap, WriteMode mode)
    {
        scratch.ResetWrittenCount();
        writer.Reset(scratch);
        item.WriteTo(writer, _context, cap, mode);
        writer.Flush();
    }
}
