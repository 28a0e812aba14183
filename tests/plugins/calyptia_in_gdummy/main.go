// calyptia_in_gdummy: an input written against Calyptia's plugin SDK (our stand-in in
// ../calyptia-sdk), in the manner of the SDK's in_gdummy example: Collect sends `samples` records
// {"message": "dummy", "n": "<i>"} stamped time_sec (default: now), then waits for the end, and
// counts them in its own cmetrics counter fluentbit_plugin_collected_total.
package main

import (
	"context"
	"strconv"
	"time"

	"github.com/calyptia/plugin"
)

func init() {
	plugin.RegisterInput("calyptia_gdummy", "Dummy records through Calyptia's SDK", &gdummy{})
}

type gdummy struct {
	samples   int
	stamp     time.Time
	collected plugin.Counter
}

func (g *gdummy) Init(ctx context.Context, fbit *plugin.Fluentbit) error {
	g.samples = 5
	if v := fbit.Conf.String("samples"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		g.samples = n
	}
	if v := fbit.Conf.String("time_sec"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		g.stamp = time.Unix(sec, 0)
	}
	g.collected = fbit.Metrics.NewCounter("collected_total", "Records collected")
	return nil
}

func (g *gdummy) Collect(ctx context.Context, ch chan<- plugin.Message) error {
	for i := 1; i <= g.samples; i++ {
		t := g.stamp
		if t.IsZero() {
			t = time.Now()
		}
		ch <- plugin.Message{Time: t, Record: map[string]string{"message": "dummy", "n": strconv.Itoa(i)}}
		g.collected.Add(1)
	}
	<-ctx.Done()
	return nil
}

func main() {}
