using System.Security.Cryptography;

namespace Raindrop;

/// <summary>
/// New event ids: lowercase UUID v4 from the system CSPRNG, read 4 KiB at a time per thread. A
/// <see cref="Guid.NewGuid"/> costs a system call each (about 0.5 µs on some VMs), most of a <c>TrackAi</c>.
/// </summary>
internal static class EventIds
{
    private const int PoolBytes = 4096;

    // The first RandomNumberGenerator call loads and initializes OpenSSL (5-20 ms on Linux): that happens on a pool
    // thread, and ids come from Guid.NewGuid (the same UUID v4, one system call each) until it is done.
    private static volatile bool s_poolReady;
    private static int s_warming;

    [ThreadStatic]
    private static byte[]? t_pool;

    [ThreadStatic]
    private static int t_next;

    /// <summary>Whether ids come from the CSPRNG pool yet (rather than Guid.NewGuid).</summary>
    internal static bool PoolReady => s_poolReady;

    public static string New()
    {
        if (!s_poolReady)
        {
            WarmUpInBackground();
            return Guid.NewGuid().ToString();
        }

        var pool = t_pool;
        if (pool is null || t_next + 16 > PoolBytes)
        {
            pool = t_pool ??= new byte[PoolBytes];
            RandomNumberGenerator.Fill(pool);
            t_next = 0;
        }

        Span<byte> bytes = stackalloc byte[16];
        pool.AsSpan(t_next, 16).CopyTo(bytes);
        t_next += 16;

        // Guid's byte layout: byte 7 holds the version nibble, byte 8 the variant bits (RFC 9562).
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    /// <summary>Starts (once) loading the CSPRNG off the caller's thread; <see cref="New"/> uses it once it is ready.</summary>
    public static void WarmUpInBackground()
    {
        if (Volatile.Read(ref s_warming) != 0 || Interlocked.Exchange(ref s_warming, 1) != 0)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static _ =>
            {
                try
                {
                    Span<byte> probe = stackalloc byte[16];
                    RandomNumberGenerator.Fill(probe);
                    s_poolReady = true;
                }
                catch (Exception)
                {
                    // No usable CSPRNG here (OpenSSL missing or broken): Guid.NewGuid keeps serving ids; nothing may
                    // escape a pool work item.
                }
            },
            state: (object?)null,
            preferLocal: false);
    }
}
