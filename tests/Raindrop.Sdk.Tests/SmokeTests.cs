using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests;

public class FakeApiTests
{
    [Fact]
    public async Task Scripted_answers_are_used_in_order_and_items_are_parsed()
    {
        using var api = new FakeApi();
        api.Script("events/track", r => r.WithStatusCode(500), r => r.WithStatusCode(204));
        await using var client = api.Client();
        client.TrackAi(new AiEvent { UserId = "u", Event = "e", Input = "hi", EventId = "id-1" });
        await client.FlushAsync();
        Assert.Equal(2, api.Requests("events/track").Count);
        var item = Assert.Single(api.Items("events/track"));
        Assert.Equal("id-1", (string?)item["event_id"]);
    }
}
