namespace Raindrop.Delivery;

/// <summary>
/// The client's one <see cref="HttpTransport"/>, built on first use rather than in the client's constructor (its Polly
/// pipeline and HTTP stack cost start-up time): by the warm-up thread once the constructor has returned, or by the
/// first send, whichever comes first. A build that throws is not remembered: the next use tries again.
/// </summary>
internal sealed class LazyTransport : IDisposable
{
    private readonly Func<HttpTransport> _build;
    private readonly object _gate = new();
    private HttpTransport? _value;
    private bool _disposed;

    public LazyTransport(Func<HttpTransport> build) => _build = build;

    /// <summary>The transport, built now if it is not yet.</summary>
    /// <exception cref="ObjectDisposedException">Disposed before it was ever built.</exception>
    public HttpTransport Value => Volatile.Read(ref _value) ?? Build();

    /// <summary>Disposes the transport if it was built; a later <see cref="Value"/> throws rather than building one.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _value?.Dispose();
        }
    }

    private HttpTransport Build()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_value is null)
            {
                Volatile.Write(ref _value, _build());
            }

            return _value;
        }
    }
}
