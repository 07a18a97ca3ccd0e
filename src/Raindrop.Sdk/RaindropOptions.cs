using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Raindrop;

/// <summary>
/// Every setting of a <see cref="RaindropClient"/>. Bindable from configuration
/// (<c>"Raindrop": { "WriteKey": "...", "FlushInterval": "00:00:02" }</c>) and validated once,
/// when the client is built, with messages that name the setting.
/// </summary>
public sealed partial class RaindropOptions
{
    /// <summary>The default API base URL.</summary>
    public const string DefaultEndpoint = "https://api.raindrop.ai/v1/";

    /// <summary>
    /// The write key sent as <c>Authorization: Bearer</c>. When null or empty the client runs disabled
    /// and logs one warning. It never appears in a log line, an exception or <see cref="ToString"/>.
    /// </summary>
    public string? WriteKey { get; set; }

    /// <summary>The API base URL; a missing trailing <c>/</c> is added. Default <see cref="DefaultEndpoint"/>.</summary>
    public string Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>A project slug sent as <c>X-Raindrop-Project-Id</c>; must match <c>^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$</c>.</summary>
    public string? ProjectId { get; set; }

    /// <summary>How long after the first queued item a partial batch is sent. Default 1 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Items per request on the batched routes. Default 100.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Items the queue holds before the oldest is dropped. Default 100,000.</summary>
    public int MaxQueueSize { get; set; } = 100_000;

    /// <summary>Approximate bytes the queue holds before the oldest item is dropped. Default 128 MiB.</summary>
    public long MaxQueueBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>Timeout of one HTTP attempt. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a request keeps being retried before it is given up. Default 5 minutes.</summary>
    public TimeSpan MaxRetryDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most <c>DisposeAsync</c> spends draining and sending before it returns. Default 10 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most one <c>FlushAsync</c> waits before it returns <see langword="false"/> (WIRE.md §5). Its deadline drops
    /// nothing: what is still retrying stays queued. Zero returns at once. Default 10 s.
    /// </summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest <c>ai_data.input</c>/<c>ai_data.output</c> sent; longer text is cut to exactly this many
    /// chars ending in <c>...[truncated by raindrop]</c> (below the marker's 26 chars, text is cut to the start of
    /// the marker). Default 1,000,000.
    /// </summary>
    public int MaxTextFieldChars { get; set; } = 1_000_000;

    /// <summary>Redact personal data from AI inputs and outputs before they are queued. Default false.</summary>
    public bool RedactPii { get; set; }

    /// <summary>The redactor used when <see cref="RedactPii"/> is on; <see cref="PiiRedactor.Instance"/> when null.</summary>
    public IPiiRedactor? Redactor { get; set; }

    /// <summary>Send nothing: every call is accepted and discarded. Default false.</summary>
    public bool Disabled { get; set; }

    /// <summary>
    /// Log every request and its outcome (never the write key): at Information level through <see cref="LoggerFactory"/>,
    /// or as a line on standard error when there is none. Default false.
    /// </summary>
    public bool DebugLogs { get; set; }

    /// <summary>How long an interaction's pending changes stay quiet before they are sent. Default 2 s.</summary>
    public TimeSpan PartialFlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Unfinished interactions held at once; past it the oldest is flushed and forgotten. Default 10,000.</summary>
    public int MaxOpenInteractions { get; set; } = 10_000;

    /// <summary>
    /// Start no <c>TracerProvider</c>: the app adds <c>tracing.AddRaindrop(client)</c> (or
    /// <c>client.CreateSpanProcessor()</c>) to its own OpenTelemetry setup. Default false: the client runs its own
    /// provider exporting OTLP/HTTP protobuf to <c>{scheme://host}/v1/traces</c>.
    /// </summary>
    public bool UseExternalOpenTelemetry { get; set; }

    /// <summary>
    /// The AI libraries' <c>ActivitySource</c> names (trailing <c>*</c> as a wildcard) whose spans are captured
    /// inside interactions; null for the defaults (Microsoft.Extensions.AI, OpenAI, Azure.AI.Inference,
    /// Semantic Kernel, Microsoft.Agents.AI, ModelContextProtocol). Setting it replaces the list.
    /// </summary>
    public IList<string>? InstrumentedSources { get; set; }

    /// <summary>
    /// Whether this client may receive spans that belong to no client's interaction (an AI library's LLM call made
    /// outside any interaction). With several clients in one process such a span reaches at most one project: the
    /// oldest live client that allows it (WIRE.md §7). Set false on the others to choose. Default true.
    /// </summary>
    public bool CaptureUnownedSpans { get; set; } = true;

    /// <summary>
    /// With <c>AddRaindrop</c> (the unkeyed client): every <c>IChatClient</c> registered in the service collection
    /// before <c>AddRaindrop</c> (<c>AddChatClient</c>, <c>AddKeyedChatClient</c>, a singleton, a factory or a type) is
    /// resolved with the Raindrop chat middleware (<c>RaindropChatClient</c>, package Raindrop.Sdk.Extensions.AI)
    /// around it, unless its pipeline already has one (the app's own <c>UseRaindrop()</c>): every model call is an LLM
    /// span of the current interaction, or, outside one, an AI event of the current <see cref="IRaindropClient.BeginScope"/>
    /// user. A chat client registered after <c>AddRaindrop</c> is not wrapped and is named in a warning when the host
    /// starts. Needs the Raindrop.Sdk.Extensions.AI package (a warning at start says so when it is missing). Read when
    /// each chat client is first resolved; configuration key <c>Raindrop:CaptureChatClients</c>. Default false.
    /// </summary>
    public bool CaptureChatClients { get; set; }

    /// <summary>Also export the app's other spans (HTTP, database) that reach the Raindrop processor. Default false.</summary>
    public bool ExportAllSpans { get; set; }

    /// <summary>The HTTP handler to send with (proxies, test servers). Ignored when <see cref="HttpClient"/> is set.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; set; }

    /// <summary>The <see cref="System.Net.Http.HttpClient"/> to send with; the client does not dispose it.</summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Where the SDK's own logs go; when null, warnings (and <see cref="DebugLogs"/> lines) go to standard error.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock for timestamps, batching and retries; <see cref="System.TimeProvider.System"/> when null.</summary>
    public TimeProvider? TimeProvider { get; set; }

    // Knobs the tests turn down so retries don't take seconds; not public API.
    internal TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    internal TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    internal int MaxBodyBytes { get; set; } = 1024 * 1024;

    internal int MaxConcurrentRequests { get; set; } = 4;

    /// <summary>Lists what is wrong with these options, each message naming its setting; empty when valid.</summary>
    /// <returns>The problems found.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!TryNormalizeEndpoint(Endpoint, out _))
        {
            errors.Add($"RaindropOptions.Endpoint must be an absolute http or https URL (was '{Endpoint}').");
        }

        if (ProjectId is not null && !IsProjectSlug(ProjectId))
        {
            errors.Add($"RaindropOptions.ProjectId '{ProjectId}' is not a valid project slug (lowercase letters, digits and '-', 1-63 chars, not starting or ending with '-').");
        }

        // Zero is meaningful for these: send as soon as there is something, or close without waiting.
        NotNegative(errors, nameof(FlushInterval), FlushInterval);
        NotNegative(errors, nameof(CloseTimeout), CloseTimeout);
        NotNegative(errors, nameof(FlushTimeout), FlushTimeout);
        NotNegative(errors, nameof(PartialFlushInterval), PartialFlushInterval);
        Positive(errors, nameof(RequestTimeout), RequestTimeout);
        Positive(errors, nameof(MaxRetryDuration), MaxRetryDuration);
        Positive(errors, nameof(BatchSize), BatchSize);
        Positive(errors, nameof(MaxQueueSize), MaxQueueSize);
        Positive(errors, nameof(MaxQueueBytes), MaxQueueBytes);
        Positive(errors, nameof(MaxOpenInteractions), MaxOpenInteractions);
        Positive(errors, nameof(MaxTextFieldChars), MaxTextFieldChars);

        return errors;
    }

    /// <summary>Describes the options without the write key.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString() =>
        $"RaindropOptions {{ Endpoint = {Endpoint}, ProjectId = {ProjectId ?? "(none)"}, WriteKey = {(string.IsNullOrEmpty(WriteKey) ? "(none)" : "(set)")}, Disabled = {Disabled} }}";

    internal static bool TryNormalizeEndpoint(string? endpoint, out Uri uri)
    {
        uri = null!;
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return false;
        }

        var text = endpoint.EndsWith('/') ? endpoint : endpoint + "/";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        uri = parsed;
        return true;
    }

    private static void Positive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"RaindropOptions.{name} must be positive (was {value}).");
        }
    }

    private static void NotNegative(List<string> errors, string name, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"RaindropOptions.{name} must not be negative (was {value}).");
        }
    }

    private static void Positive(List<string> errors, string name, long value)
    {
        if (value <= 0)
        {
            errors.Add($"RaindropOptions.{name} must be positive (was {value}).");
        }
    }

    // Apart from Validate so that options without a project id never load the regex engine (client start-up time).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool IsProjectSlug(string projectId) => ProjectIdPattern().IsMatch(projectId);

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex ProjectIdPattern();
}
