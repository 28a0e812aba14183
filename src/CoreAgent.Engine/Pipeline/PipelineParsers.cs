using CoreAgent.Engine.Config;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// The parsers of a pipeline at build time: reads any [SERVICE] parsers_file the configuration
/// readers did not (a definition built by cmdlets), builds the registry, and checks every property
/// that names a parser (<see cref="PropertySpec.References"/>).
/// </summary>
internal static class PipelineParsers
{
    public sealed record Built(ParserRegistry Parsers, HashSet<string> MultilineNames);

    public static Built Build(PipelineDefinition definition, AgentLog? log, List<PipelineProblem> problems)
    {
        foreach (var file in definition.Service.GetAll("parsers_file"))
        {
            string full;
            try { full = Path.GetFullPath(file.Value.Trim()); }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                problems.Add(new PipelineProblem($"[SERVICE] parsers_file '{file.Value}' is not a valid path", file.Location, "parsers_file"));
                continue;
            }
            if (definition.ParsersFilesLoaded.Contains(full, IncludeResolver.PathComparer)) continue;
            foreach (var finding in ParsersFileLoader.LoadInto(full, definition).Where(f => f.IsError))
                problems.Add(new PipelineProblem(finding.Message, finding.Location ?? file.Location, finding.Key ?? "parsers_file", finding.Code));
        }

        var parserProblems = new List<ParserProblem>();
        var registry = ParserRegistry.Create(definition.Parsers, log, parserProblems);
        registry.Multiline = Parsers.Multiline.MultilineRegistry.Create(definition.MultilineParsers, registry, log, parserProblems);
        foreach (var problem in parserProblems.Where(p => p.IsError))
            problems.Add(new PipelineProblem(problem.Message, problem.Location, problem.Key, ProblemCodes.BadParser));
        return new Built(registry, []);
    }

    public static void CheckReferences(PipelineBuilder.ResolvedInstance instance, Built parsers, List<PipelineProblem> problems)
    {
        foreach (var spec in instance.Plugin.Properties.Where(s => s.References != ParserReference.None))
        {
            foreach (var property in instance.Spec.Properties.GetAll(spec.Name))
            {
                if (spec.References == ParserReference.Parser)
                {
                    if (parsers.Parsers.Find(property.Value) is null)
                        problems.Add(new PipelineProblem(
                            $"{instance.Plugin.Name}: {spec.Name} '{property.Value.Trim()}' is not a defined parser (defined: {parsers.Parsers.KnownNames}); define it in a [SERVICE] parsers_file",
                            property.Location ?? instance.Spec.Location, spec.Name, ProblemCodes.UnknownParser));
                    continue;
                }
                foreach (var name in property.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    if (parsers.Parsers.Multiline.Find(name) is null)
                        problems.Add(new PipelineProblem(
                            $"{instance.Plugin.Name}: {spec.Name} '{name}' is not a multiline parser (built in: {Parsers.Multiline.MultilineRegistry.BuiltInNames}; defined: {parsers.Parsers.Multiline.DefinedNames})",
                            property.Location ?? instance.Spec.Location, spec.Name, ProblemCodes.UnknownParser));
            }
        }
    }
}
