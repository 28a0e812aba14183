package plugin

/*
#cgo CFLAGS: -I${SRCDIR}/../gopath/src/github.com/fluent/fluent-bit-go/output
#include <stdlib.h>
#include "flb_plugin.h"
#include "flb_output.h"
#include "cmetrics.h"

// An input's struct flbgo_input_plugin has the output's layout, with i_ins in o_ins's place.
static void *sdk_get_cmt(struct flbgo_output_plugin *p, int input) {
    if (p->api == NULL) return NULL;
    if (input) return p->api->input_get_cmt_instance ? p->api->input_get_cmt_instance(p->o_ins) : NULL;
    return p->api->output_get_cmt_instance ? p->api->output_get_cmt_instance(p->o_ins) : NULL;
}

static char *sdk_get_property(struct flbgo_output_plugin *p, int input, char *key) {
    return input ? p->api->input_get_property(key, p->o_ins) : p->api->output_get_property(key, p->o_ins);
}

// The SDK logs its message as the format string, with no arguments.
static void sdk_log(struct flbgo_output_plugin *p, int input, int level, const char *message) {
    int enabled = input ? p->api->input_log_check(p->o_ins, level) : p->api->output_log_check(p->o_ins, level);
    if (enabled) p->api->log_print(level, NULL, 0, message);
}
*/
import "C"

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/ugorji/go/codec"
)

var (
	started  sync.Once
	messages chan Message
	flushed  chan struct{}
)

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	if registered == nil && registeredInput == nil {
		fmt.Fprintln(os.Stderr, "no input or output registered")
		return C.FLB_ERROR
	}
	p := (*C.struct_flb_plugin_proxy_def)(def)
	p._type = C.FLB_PROXY_OUTPUT_PLUGIN
	if registeredInput != nil {
		p._type = C.FLB_PROXY_INPUT_PLUGIN
	}
	p.proxy = C.FLB_PROXY_GOLANG
	p.flags = 0
	p.name = C.CString(registeredName)
	p.description = C.CString(registeredDesc)
	return C.FLB_OK
}

type config struct {
	p     *C.struct_flbgo_output_plugin
	input C.int
}

func (c config) String(key string) string {
	k := C.CString(key)
	defer C.free(unsafe.Pointer(k))
	return C.GoString(C.sdk_get_property(c.p, c.input, k))
}

type logger struct {
	p     *C.struct_flbgo_output_plugin
	input C.int
}

func (l logger) write(level int, format string, a ...any) {
	m := C.CString(fmt.Sprintf(format, a...))
	defer C.free(unsafe.Pointer(m))
	C.sdk_log(l.p, l.input, C.int(level), m)
}
func (l logger) Error(format string, a ...any) { l.write(1, format, a...) }
func (l logger) Info(format string, a ...any)  { l.write(3, format, a...) }

type metrics struct{ cmt unsafe.Pointer }

type counter struct {
	c      *C.struct_cmt_counter
	labels int
}

func (m metrics) NewCounter(name, desc string, labelKeys ...string) Counter {
	ns, sub, n, d := C.CString("fluentbit"), C.CString("plugin"), C.CString(name), C.CString(desc)
	var keys **C.char
	if len(labelKeys) > 0 {
		keys = (**C.char)(C.malloc(C.size_t(unsafe.Sizeof(uintptr(0)))))
		*keys = C.CString(labelKeys[0])
	}
	c := C.cmt_counter_create((*C.struct_cmt)(m.cmt), ns, sub, n, d, C.int(len(labelKeys)), keys)
	return counter{c: c, labels: len(labelKeys)}
}

func (c counter) Add(delta float64, labelValues ...string) {
	var vals **C.char
	if c.labels > 0 && len(labelValues) > 0 {
		vals = (**C.char)(C.malloc(C.size_t(unsafe.Sizeof(uintptr(0)))))
		*vals = C.CString(labelValues[0])
		defer func() { C.free(unsafe.Pointer(*vals)); C.free(unsafe.Pointer(vals)) }()
	}
	C.cmt_counter_add(c.c, 0, C.double(delta), C.int(c.labels), vals)
}

//export FLBPluginInit
func FLBPluginInit(ptr unsafe.Pointer) int {
	p := (*C.struct_flbgo_output_plugin)(ptr)
	var input C.int
	if registeredInput != nil {
		input = 1
	}
	cmt := C.sdk_get_cmt(p, input)
	if cmt == nil {
		fmt.Fprintln(os.Stderr, "init: the engine gave no cmetrics context")
		return C.FLB_ERROR
	}
	fbit := &Fluentbit{Conf: config{p, input}, Metrics: metrics{cmt}, Logger: logger{p, input}}
	var err error
	if registeredInput != nil {
		err = registeredInput.Init(context.Background(), fbit)
	} else {
		err = registered.Init(context.Background(), fbit)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "init: %v\n", err)
		return C.FLB_ERROR
	}
	return C.FLB_OK
}

// Flush hands each record to the plugin's Flush goroutine and waits until it took them all.
//
//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, ctag *C.char) int {
	started.Do(func() {
		messages = make(chan Message)
		flushed = make(chan struct{})
		go func() { _ = registered.Flush(context.Background(), messages) }()
	})
	tag := C.GoString(ctag)
	var handle codec.MsgpackHandle
	handle.RawToString = true
	dec := codec.NewDecoderBytes(C.GoBytes(data, length), &handle)
	for {
		var entry []interface{}
		if err := dec.Decode(&entry); err == io.EOF {
			return C.FLB_OK
		} else if err != nil {
			fmt.Fprintf(os.Stderr, "decode: %v\n", err)
			return C.FLB_ERROR
		}
		if len(entry) != 2 {
			fmt.Fprintf(os.Stderr, "unexpected entry length: %d\n", len(entry))
			return C.FLB_ERROR
		}
		t, ok := legacyTime(entry[0])
		if !ok {
			fmt.Fprintf(os.Stderr, "unexpected entry time type: %T\n", entry[0])
			return C.FLB_ERROR
		}
		body, ok := entry[1].(map[interface{}]interface{})
		if !ok {
			fmt.Fprintf(os.Stderr, "unexpected entry record type: %T\n", entry[1])
			return C.FLB_ERROR
		}
		record := make(map[string]string, len(body))
		for k, v := range body {
			record[fmt.Sprint(k)] = fmt.Sprint(v)
		}
		messages <- Message{Time: t, Record: record, tag: tag}
	}
}

// The legacy shape's time: EventTime (ext 0, big-endian seconds and nanoseconds) or an integer.
func legacyTime(v interface{}) (time.Time, bool) {
	switch t := v.(type) {
	case codec.RawExt:
		if t.Tag != 0 || len(t.Data) != 8 {
			return time.Time{}, false
		}
		d := t.Data
		sec := int64(d[0])<<24 | int64(d[1])<<16 | int64(d[2])<<8 | int64(d[3])
		nsec := int64(d[4])<<24 | int64(d[5])<<16 | int64(d[6])<<8 | int64(d[7])
		return time.Unix(sec, nsec), true
	case uint64:
		return time.Unix(int64(t), 0), true
	case int64:
		return time.Unix(t, 0), true
	}
	return time.Time{}, false
}

//export FLBPluginExit
func FLBPluginExit() int { return C.FLB_OK }
