using BenchmarkDotNet.Running;

namespace Raindrop.Benchmarks;

/// <summary>Entry point: <c>--filter '*'</c> runs everything, <c>--list flat</c> lists the benchmarks.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
