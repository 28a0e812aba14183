namespace CoreAgent.Engine.Plugins.Outputs.File;

/// <summary>The file output's <c>format</c>; Default is Fluent Bit's unnamed format (<c>out_file</c>).</summary>
public enum FileFormat { Default, Plain, Csv, Ltsv, Template, Msgpack }
