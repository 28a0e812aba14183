// in_records: a Go input (name "records") that returns `records` records
// (default 3) per FLBPluginInputCallback, numbered from 1 across callbacks:
// {"seq": n, "message": "record n"}. `shape` v2 emits [[EventTime, {}], body],
// otherwise the legacy [EventTime, body] of fluent-bit-go's in_gdummy. It
// exports no cleanup callback, so the engine frees the buffer with C free.
// Init logs a message full of printf conversions through log_print.
package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"github.com/fluent/fluent-bit-go/input"
)

var (
	perCallback = 3
	v2          bool
	seq         int
)

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return input.FLBPluginRegister(def, "records", "Returns N records per callback")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	if v := input.FLBPluginConfigKey(plugin, "records"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return input.FLB_ERROR
		}
		perCallback = n
	}
	v2 = input.FLBPluginConfigKey(plugin, "shape") == "v2"
	input.FLBPluginLogPrint(plugin, input.FLB_LOG_INFO, "in_records ready: 100% of %s %d %n records")
	return input.FLB_OK
}

//export FLBPluginInputCallback
func FLBPluginInputCallback(data *unsafe.Pointer, size *C.size_t) int {
	enc := input.NewEncoder()
	var out []byte
	now := input.FLBTime{Time: time.Now()}
	for i := 0; i < perCallback; i++ {
		seq++
		body := map[string]interface{}{"seq": seq, "message": fmt.Sprintf("record %d", seq)}
		var event interface{} = []interface{}{now, body}
		if v2 {
			event = []interface{}{[]interface{}{now, map[string]interface{}{}}, body}
		}
		b, err := enc.Encode(event)
		if err != nil {
			return input.FLB_ERROR
		}
		out = append(out, b...)
	}
	if len(out) == 0 {
		return input.FLB_OK
	}
	*data = C.CBytes(out)
	*size = C.size_t(len(out))
	return input.FLB_OK
}

//export FLBPluginExit
func FLBPluginExit() int { return input.FLB_OK }

func main() {}
