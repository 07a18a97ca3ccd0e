namespace Raindrop.Testing;

/// <summary>An <see cref="IRaindropClient.Identify"/> call recorded by <see cref="InMemoryRaindropClient"/>.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Traits">The traits as passed (empty when none).</param>
public sealed record RecordedIdentify(string UserId, IReadOnlyDictionary<string, object?> Traits);
