namespace Raindrop.Sdk.Tests.Tracing;

/// <summary>
/// The <c>Raindrop.Sdk</c> ActivitySource is static and shared by the whole process: every tracing test class
/// joins this collection so they never run concurrently with each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingTestGroup
{
    public const string Name = "Tracing";
}
