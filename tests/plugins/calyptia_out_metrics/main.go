// calyptia_out_metrics: an output written against Calyptia's plugin SDK (our stand-in in
// ../calyptia-sdk, revision v0.1.4). Appends "sec<TAB>nsec<TAB>msg" per record to `path`, counts
// records in its own cmetrics counter fluentbit_plugin_records_total{tag}, and logs a line with
// a percent sign at Init.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/calyptia/plugin"
)

func init() {
	plugin.RegisterOutput("calyptia_metrics", "Counts records in its own cmetrics", &output{})
}

type output struct {
	path    string
	records plugin.Counter
}

func (o *output) Init(ctx context.Context, fbit *plugin.Fluentbit) error {
	o.path = fbit.Conf.String("path")
	if o.path == "" {
		return fmt.Errorf("path is required")
	}
	o.records = fbit.Metrics.NewCounter("records_total", "Records this plugin wrote", "tag")
	fbit.Logger.Info("calyptia_metrics ready: 100%% of %s", o.path)
	return nil
}

func (o *output) Flush(ctx context.Context, ch <-chan plugin.Message) error {
	for msg := range ch {
		f, err := os.OpenFile(o.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%d\t%d\t%s\n", msg.Time.Unix(), msg.Time.Nanosecond(), msg.Record["msg"])
			f.Close()
		}
		o.records.Add(1, msg.Tag())
	}
	return nil
}

func main() {}
