using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;

namespace CoreAgent.Engine.Tests.GoPlugins;

[Collection("go")]
public class GoPluginLoaderTests
{
    [Fact]
    public void Loads_a_plugin_and_reads_its_registration()
    {
        var library = GoPluginLibrary.Load(TestPlugins.PathOf("out_counter"));

        Assert.Equal("counter", library.Name);
        Assert.False(string.IsNullOrEmpty(library.Description));
        Assert.True(library.HasFlushCtx);
        Assert.True(library.HasExitCtx);
        Assert.Equal(0, library.EventType);
    }

    [Fact]
    public void Loading_the_same_file_again_returns_the_loaded_plugin()
    {
        var first = GoPluginLibrary.Load(TestPlugins.PathOf("out_multiinstance"));
        var second = GoPluginLibrary.Load(Path.Combine(Path.GetDirectoryName(TestPlugins.PathOf("out_multiinstance"))!, ".", "out_multiinstance.so"));
        Assert.Same(first, second);

        var catalog = PluginCatalog.CreateDefault();
        Assert.Same(catalog.ImportGo(first.Path), catalog.ImportGo(first.Path));
        Assert.Equal(PluginOrigin.Go, catalog.Find("multiinstance", PluginType.Output)!.Origin);
    }

    [Theory]
    [InlineData("out_noregister", GoPluginLoadError.MissingRegister, "does not export FLBPluginRegister")]
    [InlineData("in_wrongtype", GoPluginLoadError.MissingFlush, "registers input plugin 'wrongtype' but exports neither FLBPluginInputCallbackCtx nor FLBPluginInputCallback")]
    [InlineData("out_prereg_abort", GoPluginLoadError.RegistrationAborted, "FLBPluginPreRegister returned -1")]
    public void Rejects_libraries_that_are_not_usable_output_plugins(string plugin, GoPluginLoadError expected, string message)
    {
        var error = Assert.Throws<GoPluginLoadException>(() => GoPluginLibrary.Load(TestPlugins.PathOf(plugin)));
        Assert.Equal(expected, error.Error);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain(GoPluginLibrary.All, l => l.Path == TestPlugins.PathOf(plugin));
    }

    [Fact]
    public void Rejects_missing_and_non_ELF_files_without_loading_anything()
    {
        var missing = Assert.Throws<GoPluginLoadException>(() => GoPluginLibrary.Load("/nonexistent/out_x.so"));
        Assert.Equal(GoPluginLoadError.NotFound, missing.Error);

        var text = Path.GetTempFileName();
        File.WriteAllText(text, "not a plugin");
        try
        {
            var notElf = Assert.Throws<GoPluginLoadException>(() => GoPluginLibrary.Load(text));
            Assert.Equal(GoPluginLoadError.NotElf, notElf.Error);
        }
        finally
        {
            File.Delete(text);
        }

        var truncated = Path.GetTempFileName();
        File.WriteAllBytes(truncated, File.ReadAllBytes(TestPlugins.PathOf("out_counter")).AsSpan(0, 200).ToArray());
        try
        {
            Assert.Throws<GoPluginLoadException>(() => GoPluginLibrary.Load(truncated));
        }
        finally
        {
            File.Delete(truncated);
        }
    }

    [Fact]
    public void Release_unregisters_the_plugin_and_frees_its_definition()
    {
        // out_panic is used by no other test here: it is only loaded and released, never flushed.
        var library = GoPluginLibrary.Load(TestPlugins.PathOf("out_panic"));
        long before = Native.NativeAllocations.Outstanding;

        library.Release();

        Assert.Equal(before - 1, Native.NativeAllocations.Outstanding);
        Assert.DoesNotContain(library, GoPluginLibrary.All);
        var again = GoPluginLibrary.Load(TestPlugins.PathOf("out_panic"));
        Assert.NotSame(library, again);
        Assert.Equal("panicker", again.Name);
    }

    [Fact]
    public void A_plugin_named_like_a_built_in_is_refused()
    {
        var catalog = new PluginCatalog();
        catalog.Add(new PluginDescriptor { Name = "counter", Description = "built-in", Type = PluginType.Output, CreateOutput = () => null! });
        var error = Assert.Throws<GoPluginLoadException>(() => catalog.ImportGo(TestPlugins.PathOf("out_counter")));
        Assert.Equal(GoPluginLoadError.NameConflict, error.Error);
    }
}
