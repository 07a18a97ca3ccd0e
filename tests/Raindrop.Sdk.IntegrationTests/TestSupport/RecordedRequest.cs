namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>One request a loopback server received: path, headers (last value per name), body, and the status it answered.</summary>
public sealed record RecordedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int Status)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public bool Succeeded => Status is >= 200 and < 300;
}
