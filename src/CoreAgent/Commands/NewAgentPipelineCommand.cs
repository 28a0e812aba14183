using System.Collections;
using System.Management.Automation;

namespace CoreAgent.Commands;

/// <summary>Builds a pipeline without starting it.</summary>
[Cmdlet(VerbsCommon.New, "AgentPipeline", SupportsShouldProcess = true, DefaultParameterSetName = DefinitionSet)]
[OutputType(typeof(AgentPipelineInfo))]
public sealed class NewAgentPipelineCommand : PSCmdlet
{
    internal const string DefinitionSet = "Definition";
    internal const string PathSet = "Path";

    /// <summary>A Fluent Bit configuration file (classic .conf or YAML) to build the pipeline from.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(ParameterSetName = DefinitionSet)]
    [Parameter(ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DefinitionSet)]
    [ArgumentCompleter(typeof(PluginNameCompleter))]
    public object[] Input { get; set; } = [];

    [Parameter(ParameterSetName = DefinitionSet)]
    public object[]? Filter { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DefinitionSet)]
    [ArgumentCompleter(typeof(PluginNameCompleter))]
    public object[] Output { get; set; } = [];

    [Parameter(ParameterSetName = DefinitionSet)]
    public Hashtable? Service { get; set; }

    [Parameter(ParameterSetName = DefinitionSet)]
    [ValidateNotNullOrEmpty]
    public string[]? PluginPath { get; set; }

    protected override void EndProcessing()
    {
        var definition = ParameterSetName == PathSet
            ? ConfigFileLoader.Load(this, Path!, Name)
            : DefinitionParameters.Create(this, Name, Input, Filter, Output, Service, PluginPath);
        if (!ShouldProcess(definition.Name, "Create pipeline")) return;
        WriteObject(PipelineFactory.Build(this, definition, findingsShown: ParameterSetName == PathSet));
    }
}

/// <summary>Creates the definition from the shared parameters, turning bad values into a terminating error.</summary>
internal static class DefinitionParameters
{
    public static Engine.Pipeline.PipelineDefinition Create(PSCmdlet cmdlet, string? name, object[] inputs, object[]? filters,
        object[] outputs, Hashtable? service, string[]? pluginPaths)
    {
        try
        {
            return PipelineDefinitionFactory.Create(name, inputs, filters, outputs, service, pluginPaths, cmdlet.SessionState);
        }
        catch (ArgumentException ex)
        {
            cmdlet.ThrowTerminatingError(CommandErrors.InvalidDefinition(ex, name));
            throw;
        }
    }
}
