using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Wire;

public class OptionsTests
{
    public static TheoryData<string, string> InvalidSettings => new()
    {
        { "endpoint_not_a_url", "Endpoint" },
        { "endpoint_ftp", "Endpoint" },
        { "endpoint_empty", "Endpoint" },
        { "batch_size_zero", "BatchSize" },
        { "max_queue_size_negative", "MaxQueueSize" },
        { "max_queue_bytes_zero", "MaxQueueBytes" },
        { "flush_interval_negative", "FlushInterval" },
        { "request_timeout_negative", "RequestTimeout" },
        { "close_timeout_negative", "CloseTimeout" },
        { "max_retry_duration_zero", "MaxRetryDuration" },
        { "project_id_uppercase_underscore", "ProjectId" },
        { "project_id_leading_dash", "ProjectId" },
        { "project_id_trailing_dash", "ProjectId" },
        { "project_id_64_chars", "ProjectId" },
    };

    private static void Apply(string setting, RaindropOptions o)
    {
        switch (setting)
        {
            case "endpoint_not_a_url": o.Endpoint = "not a url"; break;
            case "endpoint_ftp": o.Endpoint = "ftp://x"; break;
            case "endpoint_empty": o.Endpoint = string.Empty; break;
            case "batch_size_zero": o.BatchSize = 0; break;
            case "max_queue_size_negative": o.MaxQueueSize = -1; break;
            case "max_queue_bytes_zero": o.MaxQueueBytes = 0; break;
            case "flush_interval_negative": o.FlushInterval = TimeSpan.FromSeconds(-1); break;
            case "request_timeout_negative": o.RequestTimeout = TimeSpan.FromSeconds(-1); break;
            case "close_timeout_negative": o.CloseTimeout = TimeSpan.FromMilliseconds(-5); break;
            case "max_retry_duration_zero": o.MaxRetryDuration = TimeSpan.Zero; break;
            case "project_id_uppercase_underscore": o.ProjectId = "Bad_Slug"; break;
            case "project_id_leading_dash": o.ProjectId = "-x"; break;
            case "project_id_trailing_dash": o.ProjectId = "x-"; break;
            case "project_id_64_chars": o.ProjectId = new string('a', 64); break;
            default: throw new ArgumentOutOfRangeException(nameof(setting), setting, "unknown case");
        }
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Invalid_options_throw_at_construction_naming_the_setting(string setting, string name)
    {
        var options = new RaindropOptions { WriteKey = "k" };
        Apply(setting, options);

        var ex = Assert.ThrowsAny<ArgumentException>(() => new RaindropClient(options));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Contains(options.Validate(), e => e.Contains(name, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Invalid_options_throw_even_without_a_write_key(string setting, string name)
    {
        var options = new RaindropOptions();
        Apply(setting, options);

        var ex = Assert.ThrowsAny<ArgumentException>(() => new RaindropClient(options));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_invalid_setting_is_named_when_several_are_wrong()
    {
        var options = new RaindropOptions { WriteKey = "k", Endpoint = "ftp://x", BatchSize = 0, ProjectId = "-x" };
        var ex = Assert.ThrowsAny<ArgumentException>(() => new RaindropClient(options));
        Assert.Contains("Endpoint", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BatchSize", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ProjectId", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("my-project-1")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("a1")]
    public async Task A_valid_project_id_is_accepted_and_sent(string projectId)
    {
        using var api = new FakeApi();
        await using var client = api.Client(o => o.ProjectId = projectId);
        Assert.True(client.IsEnabled);
        client.Track(new TrackEvent { UserId = "u", Event = "e" });
        await client.FlushAsync();

        var entry = Assert.Single(api.Requests("events/track"));
        Assert.Equal(projectId, WireAssert.Header(entry, "X-Raindrop-Project-Id"));
    }

    [Fact]
    public async Task A_63_char_project_id_is_accepted()
    {
        var projectId = "a" + new string('-', 61) + "z";
        Assert.Equal(63, projectId.Length);
        await using var client = new RaindropClient(new RaindropOptions { WriteKey = "k", ProjectId = projectId, Endpoint = "http://127.0.0.1:9/v1/" });
        Assert.Empty(new RaindropOptions { ProjectId = projectId }.Validate());
    }

    [Theory]
    [InlineData("http://localhost:8080/v1/")]
    [InlineData("https://api.raindrop.ai/v1")]
    [InlineData("HTTPS://Example.test/custom/base")]
    public void Http_and_https_endpoints_are_valid(string endpoint)
    {
        Assert.Empty(new RaindropOptions { Endpoint = endpoint }.Validate());
    }

    [Fact]
    public void Defaults_match_the_wire_contract()
    {
        var o = new RaindropOptions();
        Assert.Equal("https://api.raindrop.ai/v1/", o.Endpoint);
        Assert.Equal(RaindropOptions.DefaultEndpoint, o.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(1), o.FlushInterval);
        Assert.Equal(100, o.BatchSize);
        Assert.Equal(100_000, o.MaxQueueSize);
        Assert.Equal(128L * 1024 * 1024, o.MaxQueueBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), o.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), o.CloseTimeout);
        Assert.Equal(1_000_000, o.MaxTextFieldChars);
        Assert.Equal(TimeSpan.FromMinutes(5), o.MaxRetryDuration);
        Assert.Equal(TimeSpan.FromSeconds(2), o.PartialFlushInterval);
        Assert.Null(o.WriteKey);
        Assert.Null(o.ProjectId);
        Assert.False(o.Disabled);
        Assert.False(o.RedactPii);
        Assert.Empty(o.Validate());
    }

    [Fact]
    public async Task Default_options_with_a_write_key_build_an_enabled_client()
    {
        await using var client = new RaindropClient(new RaindropOptions { WriteKey = "k", Endpoint = "http://127.0.0.1:9/v1/" });
        Assert.True(client.IsEnabled);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(27)]
    [InlineData(10)]
    public async Task A_small_MaxTextFieldChars_cuts_inputs_to_exactly_that_length(int cap)
    {
        using var api = new Raindrop.Sdk.Tests.TestSupport.FakeApi();
        await using (var client = api.Client(o => o.MaxTextFieldChars = cap))
        {
            client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = new string('a', 500), Output = "short" });
        }

        var ai = Assert.Single(api.Items("events/track"))["ai_data"]!;
        var input = (string)ai["input"]!;
        Assert.Equal(cap, input.Length);
        if (cap > Raindrop.Serialization.TextLimits.Marker.Length)
        {
            Assert.EndsWith(Raindrop.Serialization.TextLimits.Marker, input, StringComparison.Ordinal);
        }

        Assert.Equal("short", (string?)ai["output"]);
    }

    [Fact]
    public void A_zero_MaxTextFieldChars_is_rejected_naming_the_setting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new RaindropClient(new RaindropOptions { WriteKey = "k", MaxTextFieldChars = 0 }));
        Assert.Contains("MaxTextFieldChars", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zero_FlushInterval_sends_as_soon_as_there_is_something_and_a_zero_CloseTimeout_closes_at_once()
    {
        using var api = new Raindrop.Sdk.Tests.TestSupport.FakeApi();
        var client = api.Client(o => o.FlushInterval = TimeSpan.Zero);
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "now" });
        Assert.True(await Raindrop.Sdk.Tests.TestSupport.FakeApi.Eventually(() => client.Statistics.Sent == 1));
        await client.DisposeAsync();

        using var hung = new Raindrop.Sdk.Tests.TestSupport.FakeApi();
        hung.Script("events/track", r => r.WithDelay(TimeSpan.FromSeconds(20)).WithStatusCode(204));
        var closing = hung.Client(o => o.CloseTimeout = TimeSpan.Zero);
        closing.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "never" });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await closing.DisposeAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"close took {watch.Elapsed}");
        Assert.Equal(1, closing.Statistics.Dropped);
    }
}
