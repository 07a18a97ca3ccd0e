namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>One request a loopback server received: path, headers, body, the status it answered, and when it arrived.</summary>
public sealed record RecordedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int Status, DateTimeOffset Received)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public bool Succeeded => Status is >= 200 and < 300;
}
