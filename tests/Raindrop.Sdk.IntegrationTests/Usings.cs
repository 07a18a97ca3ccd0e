global using Raindrop;
global using Raindrop.Sdk.IntegrationTests.TestSupport;
global using Xunit;

// The apps share process-wide state that no test can fence off: ActivityListeners, AppContext switches, and the
// rule that a span of no interaction goes to the oldest live client. One test at a time keeps each test's sink its own.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
