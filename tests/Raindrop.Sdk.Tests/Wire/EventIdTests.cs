using System.Text.RegularExpressions;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Wire;

/// <summary>Generated event ids are lowercase UUID v4, from Guid.NewGuid until the CSPRNG pool is loaded and from the pool after.</summary>
public partial class EventIdTests
{
    [Fact]
    public async Task Ids_are_distinct_lowercase_uuid_v4_before_and_after_the_csprng_pool_is_ready()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 200; i++)
        {
            ids.Add(EventIds.New()); // before the pool is ready unless another test got there first
        }

        EventIds.WarmUpInBackground();
        Assert.True(await FakeApi.Eventually(() => EventIds.PoolReady), "the CSPRNG pool never became ready");
        for (var i = 0; i < 1000; i++)
        {
            ids.Add(EventIds.New()); // more than one 4 KiB pool's worth
        }

        Assert.Equal(1200, ids.Count);
        Assert.All(ids, id => Assert.Matches(UuidV4(), id));
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4();
}
