namespace CoreAgent.Engine.Monitoring;

/// <summary>
/// Fluent Bit's /api/v1/health: once a second the outputs' total errors and retries_failed are
/// sampled, and the last HC_Period samples are kept. The pipeline is unhealthy when the newest
/// sample exceeds the oldest kept one by more than HC_Errors_Count errors or more than
/// HC_Retry_Failure_Count failed retries; with no sample yet it is healthy.
/// </summary>
public sealed class HealthCheck(MonitoringSettings settings)
{
    private readonly Queue<(long Errors, long RetriesFailed)> _samples = new();
    private (long Errors, long RetriesFailed) _latest;

    public void Sample(long errors, long retriesFailed)
    {
        lock (_samples)
        {
            _samples.Enqueue((errors, retriesFailed));
            while (_samples.Count > settings.PeriodSeconds) _samples.Dequeue();
            _latest = (errors, retriesFailed);
        }
    }

    public bool IsHealthy
    {
        get
        {
            lock (_samples)
            {
                if (_samples.Count == 0) return true;
                var oldest = _samples.Peek();
                return _latest.Errors - oldest.Errors <= settings.ErrorsCount
                    && _latest.RetriesFailed - oldest.RetriesFailed <= settings.RetryFailureCount;
            }
        }
    }
}
