using System.Collections.Concurrent;
using System.Management.Automation;

namespace CoreAgent.Commands;

/// <summary>
/// Lets the built-in job cmdlets see <see cref="AgentPipelineJob"/>s. Import-Module registers every
/// public JobSourceAdapter of a binary module with the runspace's JobManager, which creates one
/// instance per runspace; Start-AgentPipeline -AsJob hands each new job to it through JobManager.NewJob.
/// </summary>
public sealed class AgentPipelineJobSourceAdapter : JobSourceAdapter
{
    internal const string JobParameter = "Job";

    private readonly ConcurrentDictionary<Guid, AgentPipelineJob> _jobs = new();

    public AgentPipelineJobSourceAdapter() => Name = nameof(AgentPipelineJobSourceAdapter);

    public override Job2 NewJob(JobInvocationInfo specification)
    {
        var job = specification.Parameters.SelectMany(p => p)
            .FirstOrDefault(p => string.Equals(p.Name, JobParameter, StringComparison.OrdinalIgnoreCase))?.Value as AgentPipelineJob
            ?? throw new ArgumentException($"{nameof(AgentPipelineJobSourceAdapter)} only adds jobs created by Start-AgentPipeline -AsJob", nameof(specification));
        _jobs[job.InstanceId] = job;
        return job;
    }

    public override IList<Job2> GetJobs() => Ordered(_jobs.Values);

    public override IList<Job2> GetJobsByName(string name, bool recurse) => Matching(name, j => j.Name);

    public override IList<Job2> GetJobsByCommand(string command, bool recurse) => Matching(command, j => j.Command);

    public override Job2? GetJobByInstanceId(Guid instanceId, bool recurse) => _jobs.GetValueOrDefault(instanceId);

    public override Job2? GetJobBySessionId(int id, bool recurse) => _jobs.Values.FirstOrDefault(j => j.Id == id);

    public override IList<Job2> GetJobsByState(JobState state, bool recurse) => Ordered(_jobs.Values.Where(j => j.JobStateInfo.State == state));

    /// <summary>Each key names a job property (Name, State, StatusMessage, ...); values may use wildcards.</summary>
    public override IList<Job2> GetJobsByFilter(Dictionary<string, object> filter, bool recurse) =>
        Ordered(_jobs.Values.Where(job =>
        {
            var properties = PSObject.AsPSObject(job).Properties;
            return filter.All(pair => properties[pair.Key]?.Value?.ToString() is { } actual
                && WildcardPattern.Get(pair.Value?.ToString() ?? "", WildcardOptions.IgnoreCase).IsMatch(actual));
        }));

    /// <summary>Remove-Job: a job still running is stopped first (Remove-Job asks for -Force for that).</summary>
    public override void RemoveJob(Job2 job)
    {
        if (!_jobs.TryGetValue(job.InstanceId, out var ours)) return;
        ours.StopJob();
        _jobs.TryRemove(job.InstanceId, out _);
    }

    private IList<Job2> Matching(string pattern, Func<Job2, string> value)
    {
        var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
        return Ordered(_jobs.Values.Where(j => wildcard.IsMatch(value(j) ?? "")));
    }

    private static List<Job2> Ordered(IEnumerable<AgentPipelineJob> jobs) => [.. jobs.OrderBy(j => j.Id)];
}
