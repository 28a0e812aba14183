// Package plugin is a test stand-in for Calyptia's plugin SDK: same module path and public
// shape, our own code (see README.md).
package plugin

import (
	"context"
	"time"
)

// Message is one record handed to an output's Flush.
type Message struct {
	Time   time.Time
	Record map[string]string
	tag    string
}

// Tag is the chunk's tag.
func (m Message) Tag() string { return m.tag }

// ConfigLoader reads the instance's settings.
type ConfigLoader interface{ String(key string) string }

// Counter is a monotonically increasing metric.
type Counter interface{ Add(delta float64, labelValues ...string) }

// Metrics creates the plugin's own metrics (namespace fluentbit, subsystem plugin).
type Metrics interface {
	NewCounter(name, desc string, labelKeys ...string) Counter
}

// Logger writes through the engine's log_print.
type Logger interface {
	Error(format string, a ...any)
	Info(format string, a ...any)
}

// Fluentbit is what Init receives.
type Fluentbit struct {
	Conf    ConfigLoader
	Metrics Metrics
	Logger  Logger
}

// OutputPlugin is implemented by output plugins.
type OutputPlugin interface {
	Init(ctx context.Context, fbit *Fluentbit) error
	Flush(ctx context.Context, ch <-chan Message) error
}

// InputPlugin is implemented by input plugins: Collect sends messages until ctx ends.
type InputPlugin interface {
	Init(ctx context.Context, fbit *Fluentbit) error
	Collect(ctx context.Context, ch chan<- Message) error
}

var (
	registeredName  string
	registeredDesc  string
	registered      OutputPlugin
	registeredInput InputPlugin
)

// RegisterOutput registers the .so's one output plugin; call it from init().
func RegisterOutput(name, desc string, out OutputPlugin) {
	mustRegisterOnce()
	registeredName, registeredDesc, registered = name, desc, out
}

// RegisterInput registers the .so's one input plugin; call it from init().
func RegisterInput(name, desc string, in InputPlugin) {
	mustRegisterOnce()
	registeredName, registeredDesc, registeredInput = name, desc, in
}

func mustRegisterOnce() {
	if registered != nil || registeredInput != nil {
		panic("plugin already registered")
	}
}
