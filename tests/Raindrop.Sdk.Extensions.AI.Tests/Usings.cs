global using Raindrop.Sdk.Tests.TestSupport;
global using Raindrop.Sdk.Tests.Tracing;
global using Xunit;

// The Raindrop.Sdk ActivitySource is a process-wide static and every test here runs its own client and
// provider against it: run the tests one at a time so their spans and ambient state never interleave.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
