using System.Diagnostics;
using System.Text.Json;
using CoreAgent.Benchmarks;

// Each scenario runs in its own child process so that peak memory (VmHWM) belongs to it alone.
// Figures are reported as ratios to a baseline measured in the same run: the machines are shared.
var options = BenchOptions.Parse(args);
if (options.Scenario is { } single)
{
    var result = Scenarios.Run(single, options);
    Console.WriteLine(JsonSerializer.Serialize(result));
    return 0;
}

var names = Scenarios.Names.Concat(FluentBitScenarios.Names).Where(n => options.Only is null || options.Only.Contains(n)).ToList();
if (options.FluentBit is null && names.RemoveAll(n => n.StartsWith(FluentBitScenarios.Prefix)) > 0)
    Console.WriteLine("Fluent Bit baselines skipped: give --fluent-bit PATH (or COREAGENT_BENCH_FLUENT_BIT) to measure them in this run");
var results = new List<ScenarioResult>();
foreach (var name in names)
{
    string host = Environment.ProcessPath!;
    var arguments = new List<string> { "--scenario", name, "--plugins", options.PluginDirectory, "--seconds", options.Seconds.ToString(), "--result", options.ResultPath };
    if (options.FluentBit is not null) arguments.AddRange(["--fluent-bit", options.FluentBit]);
    if (Path.GetFileNameWithoutExtension(host) == "dotnet") arguments.Insert(0, typeof(Program).Assembly.Location);
    var child = Process.Start(new ProcessStartInfo(host, arguments)
    {
        RedirectStandardOutput = true,
    })!;
    string output = child.StandardOutput.ReadToEnd();
    child.WaitForExit();
    var line = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
    if (child.ExitCode != 0 || line is null)
    {
        Console.Error.WriteLine($"scenario {name} failed (exit {child.ExitCode})");
        return 1;
    }
    results.Add(JsonSerializer.Deserialize<ScenarioResult>(line)!);
}

Report.Print(results);
Directory.CreateDirectory(Path.GetDirectoryName(options.ResultPath)!);
File.WriteAllText(options.ResultPath, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"results written to {options.ResultPath}");
return 0;
