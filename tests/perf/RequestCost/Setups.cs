using System.Diagnostics;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using Raindrop;

namespace RequestCost;

/// <summary>
/// The same chat request (look up the order with a tool, ask the model, answer), with each kind of telemetry an app
/// would add. Every setup that exports sends to the same loopback sink.
/// </summary>
internal sealed class Setups : IAsyncDisposable
{
    public static readonly string[] Names = ["none", "otel", "post", "trackai", "interaction", "tool", "full"];

    private static readonly ActivitySource App = new("RequestCost.App");
    private readonly IChatClient _chat;
    private readonly RaindropClient? _raindrop;
    private readonly TracerProvider? _otel;
    private readonly Func<string, Task<string>> _handle;
    private readonly HttpClient? _http;
    private readonly Uri? _partialUri;
    private readonly List<Task> _posts = [];

    public Setups(string name, string sink)
    {
        var model = new FakeModel();
        _chat = model;
        if (name == "otel")
        {
            _otel = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
                .AddSource(App.Name, "Experimental.Microsoft.Extensions.AI")
                .AddOtlpExporter(o => { o.Endpoint = new Uri(sink + "/v1/traces"); o.Protocol = OtlpExportProtocol.HttpProtobuf; })
                .Build();
            _chat = model.AsBuilder().UseOpenTelemetry(configure: c => c.EnableSensitiveData = true).Build();
        }
        else if (name == "post")
        {
            _http = new HttpClient();
            _partialUri = new Uri(sink + "/v1/events/track_partial");
        }
        else if (name != "none")
        {
            _raindrop = new RaindropClient(new RaindropOptions { WriteKey = "perf", Endpoint = sink + "/v1/" });
            if (name == "full")
            {
                _chat = model.AsBuilder().UseRaindrop(_raindrop).Build();
            }
        }

        _handle = name switch
        {
            "none" => Plain,
            "otel" => OpenTelemetryRequest,
            "post" => BarePost,
            "trackai" => TrackAi,
            "interaction" => Interaction,
            "tool" => InteractionWithTool,
            "full" => InteractionWithTool,
            _ => throw new ArgumentException("unknown setup " + name),
        };
    }

    public Task<string> HandleAsync(string message) => _handle(message);

    public async Task FlushAsync()
    {
        if (_raindrop is not null)
        {
            await _raindrop.FlushAsync();
        }

        _otel?.ForceFlush();
        Task[] posts;
        lock (_posts)
        {
            posts = [.. _posts];
            _posts.Clear();
        }

        await Task.WhenAll(posts);
    }

    public async ValueTask DisposeAsync()
    {
        if (_raindrop is not null)
        {
            await _raindrop.DisposeAsync();
        }

        _otel?.Dispose();
        _http?.Dispose();
    }

    private static Task<string> SearchAsync(string message) => Task.FromResult("order 42: shipped " + message.Length);

    private async Task<string> Plain(string message)
    {
        var found = await SearchAsync(message);
        var response = await _chat.GetResponseAsync([new ChatMessage(ChatRole.System, found), new ChatMessage(ChatRole.User, message)]);
        return response.Text;
    }

    private async Task<string> OpenTelemetryRequest(string message)
    {
        using var request = App.StartActivity("POST /chat");
        request?.SetTag("user.id", "user_123");
        string found;
        using (var tool = App.StartActivity("search"))
        {
            tool?.SetTag("input", message);
            found = await SearchAsync(message);
            tool?.SetTag("output", found);
        }

        var response = await _chat.GetResponseAsync([new ChatMessage(ChatRole.System, found), new ChatMessage(ChatRole.User, message)]);
        return response.Text;
    }

    // The floor under an interaction: WIRE.md §1 sends each one as an events/track_partial request of its own, so this
    // is the same request plus one bare HttpClient POST of an interaction's final update, sent in the background.
    private async Task<string> BarePost(string message)
    {
        var answer = await Plain(message);
        var body = "{\"event_id\":\"" + Guid.NewGuid().ToString() + "\",\"user_id\":\"user_123\",\"event\":\"chat_message\",\"ai_data\":{\"input\":\""
            + message + "\",\"output\":\"" + answer + "\"},\"is_pending\":false}";
        var post = Task.Run(async () =>
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await _http!.PostAsync(_partialUri, content);
        });
        lock (_posts)
        {
            _posts.RemoveAll(static t => t.IsCompleted);
            _posts.Add(post);
        }

        return answer;
    }

    private async Task<string> TrackAi(string message)
    {
        var answer = await Plain(message);
        _raindrop!.TrackAi(new AiEvent { UserId = "user_123", Event = "chat_message", Input = message, Output = answer, Model = "fake-model" });
        return answer;
    }

    private async Task<string> Interaction(string message)
    {
        await using var interaction = _raindrop!.Begin(new() { UserId = "user_123", Event = "chat_message", Input = message });
        var answer = await Plain(message);
        await interaction.FinishAsync(output: answer);
        return answer;
    }

    private async Task<string> InteractionWithTool(string message)
    {
        await using var interaction = _raindrop!.Begin(new() { UserId = "user_123", Event = "chat_message", Input = message });
        var found = await interaction.WithToolAsync("search", () => SearchAsync(message));
        var response = await _chat.GetResponseAsync([new ChatMessage(ChatRole.System, found), new ChatMessage(ChatRole.User, message)]);
        await interaction.FinishAsync(output: response.Text);
        return response.Text;
    }
}
