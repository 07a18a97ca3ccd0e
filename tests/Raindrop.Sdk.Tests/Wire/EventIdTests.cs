using System.Text.RegularExpressions;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Wire;

/// <summary>Generated event ids are distinct lowercase UUID v4 (WIRE.md §2).</summary>
public partial class EventIdTests
{
    [Fact]
    public async Task Ids_are_distinct_lowercase_uuid_v4()
    {
        using var api = new FakeApi();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using (var client = api.Client())
        {
            for (var i = 0; i < 1200; i++)
            {
                ids.Add(client.Track(new TrackEvent { UserId = "u", Event = "e" }));
            }
        }

        Assert.Equal(1200, ids.Count);
        Assert.All(ids, id => Assert.Matches(UuidV4(), id));
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4();
}
