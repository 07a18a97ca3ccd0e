using Microsoft.Extensions.Configuration;

namespace Raindrop.DependencyInjection;

/// <summary>
/// The <see cref="RaindropOptions"/> that configuration can hold (text, numbers, durations, flags, a list of
/// sources), bound by the configuration binder's source generator, then copied onto the options. Objects
/// (<c>HttpClient</c>, <c>LoggerFactory</c>, <c>Redactor</c>...) come from code or the container, never from
/// configuration. Only keys present in configuration overwrite what code set.
/// </summary>
internal sealed class RaindropSettings
{
    public string? WriteKey { get; set; }

    public string? Endpoint { get; set; }

    public string? ProjectId { get; set; }

    public TimeSpan? FlushInterval { get; set; }

    public int? BatchSize { get; set; }

    public int? MaxQueueSize { get; set; }

    public long? MaxQueueBytes { get; set; }

    public TimeSpan? RequestTimeout { get; set; }

    public TimeSpan? MaxRetryDuration { get; set; }

    public TimeSpan? CloseTimeout { get; set; }

    public TimeSpan? FlushTimeout { get; set; }

    public int? MaxTextFieldChars { get; set; }

    public bool? RedactPii { get; set; }

    public bool? Disabled { get; set; }

    public bool? DebugLogs { get; set; }

    public TimeSpan? PartialFlushInterval { get; set; }

    public int? MaxOpenInteractions { get; set; }

    public bool? UseExternalOpenTelemetry { get; set; }

    public List<string>? InstrumentedSources { get; set; }

    public bool? ExportAllSpans { get; set; }

    public bool? CaptureChatClients { get; set; }

    /// <summary>Copies what <paramref name="configuration"/> sets onto <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">A value cannot be converted (the message names its key).</exception>
    public static void Bind(IConfiguration configuration, RaindropOptions options)
    {
        var s = configuration.Get<RaindropSettings>();
        if (s is null)
        {
            return;
        }

        options.WriteKey = s.WriteKey ?? options.WriteKey;
        options.Endpoint = s.Endpoint ?? options.Endpoint;
        options.ProjectId = s.ProjectId ?? options.ProjectId;
        options.FlushInterval = s.FlushInterval ?? options.FlushInterval;
        options.BatchSize = s.BatchSize ?? options.BatchSize;
        options.MaxQueueSize = s.MaxQueueSize ?? options.MaxQueueSize;
        options.MaxQueueBytes = s.MaxQueueBytes ?? options.MaxQueueBytes;
        options.RequestTimeout = s.RequestTimeout ?? options.RequestTimeout;
        options.MaxRetryDuration = s.MaxRetryDuration ?? options.MaxRetryDuration;
        options.CloseTimeout = s.CloseTimeout ?? options.CloseTimeout;
        options.FlushTimeout = s.FlushTimeout ?? options.FlushTimeout;
        options.MaxTextFieldChars = s.MaxTextFieldChars ?? options.MaxTextFieldChars;
        options.RedactPii = s.RedactPii ?? options.RedactPii;
        options.Disabled = s.Disabled ?? options.Disabled;
        options.DebugLogs = s.DebugLogs ?? options.DebugLogs;
        options.PartialFlushInterval = s.PartialFlushInterval ?? options.PartialFlushInterval;
        options.MaxOpenInteractions = s.MaxOpenInteractions ?? options.MaxOpenInteractions;
        options.UseExternalOpenTelemetry = s.UseExternalOpenTelemetry ?? options.UseExternalOpenTelemetry;
        options.InstrumentedSources = s.InstrumentedSources ?? options.InstrumentedSources;
        options.ExportAllSpans = s.ExportAllSpans ?? options.ExportAllSpans;
        options.CaptureChatClients = s.CaptureChatClients ?? options.CaptureChatClients;
    }
}
