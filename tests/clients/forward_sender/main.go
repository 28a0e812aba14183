// forward_sender sends N records to a forward input with fluent-logger-golang (Debian's
// golang-github-fluent-fluent-logger-golang-dev), the client library many Go services use.
//
//	forward_sender -port 24224 -n 1000 -tag app -start 1700000000 [-ack] [-subsecond] [-unix PATH]
//
// Record i is {"n": i, "msg": "hello"} at time start+i seconds (+ 123456789 ns with -subsecond).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/fluent/fluent-logger-golang/fluent"
)

func main() {
	host := flag.String("host", "127.0.0.1", "host")
	port := flag.Int("port", 24224, "port")
	unix := flag.String("unix", "", "unix socket path")
	n := flag.Int("n", 10, "records")
	tag := flag.String("tag", "test", "tag")
	start := flag.Int64("start", 1700000000, "time of the first record (unix seconds)")
	ack := flag.Bool("ack", false, "RequestAck")
	subsecond := flag.Bool("subsecond", false, "EventTime timestamps")
	flag.Parse()

	config := fluent.Config{FluentHost: *host, FluentPort: *port, RequestAck: *ack, SubSecondPrecision: *subsecond,
		Timeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxRetry: 3}
	if *unix != "" {
		config.FluentNetwork = "unix"
		config.FluentSocketPath = *unix
	}
	logger, err := fluent.New(config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(1)
	}
	for i := 0; i < *n; i++ {
		t := time.Unix(*start+int64(i), 0)
		if *subsecond {
			t = time.Unix(*start+int64(i), 123456789)
		}
		if err := logger.PostWithTime(*tag, t, map[string]interface{}{"n": i, "msg": "hello"}); err != nil {
			fmt.Fprintln(os.Stderr, "post:", err)
			os.Exit(1)
		}
	}
	if err := logger.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		os.Exit(1)
	}
}
