namespace Raindrop.Tracing;

/// <summary>
/// What the last trace export's server answered, passed up from <see cref="ExportRetryHandler"/> to
/// <see cref="RaindropTraceExporter"/> (the OTLP exporter reports only failure). A client's exports run one at a time.
/// </summary>
internal sealed class ExportStatus
{
    private volatile bool _tooLarge;

    /// <summary>Whether the server answered 413 Content Too Large since the last <see cref="Reset"/>.</summary>
    public bool TooLarge => _tooLarge;

    public void Reset() => _tooLarge = false;

    public void Answered(int statusCode)
    {
        if (statusCode == 413)
        {
            _tooLarge = true;
        }
    }
}
