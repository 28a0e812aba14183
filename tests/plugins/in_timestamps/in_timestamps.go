// in_timestamps: a Go input (name "timestamps") using the Ctx callbacks.
// Each instance keeps its own settings through FLBPluginSetContext. Every
// callback returns two records with their own times: base_sec (default
// 1700000000) + 10*call seconds and 250000000 ns as an EventTime in the v2
// shape, and base_sec + 10*call + 5 as a plain unsigned integer in the
// legacy shape. Bodies are {"call": n, "label": label, "kind": ...}.
package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"strconv"
	"time"
	"unsafe"

	"github.com/fluent/fluent-bit-go/input"
	"github.com/ugorji/go/codec"
)

type instance struct {
	base  int64
	label string
	calls int64
}

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return input.FLBPluginRegister(def, "timestamps", "Records that carry their own timestamps")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	inst := &instance{base: 1700000000, label: input.FLBPluginConfigKey(plugin, "label")}
	if v := input.FLBPluginConfigKey(plugin, "base_sec"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return input.FLB_ERROR
		}
		inst.base = n
	}
	input.FLBPluginSetContext(plugin, inst)
	return input.FLB_OK
}

//export FLBPluginInputCallbackCtx
func FLBPluginInputCallbackCtx(ctx unsafe.Pointer, data *unsafe.Pointer, size *C.size_t) int {
	inst, ok := input.FLBPluginGetContext(ctx).(*instance)
	if !ok {
		return input.FLB_ERROR
	}
	inst.calls++
	sec := inst.base + 10*inst.calls
	first, err := input.NewEncoder().Encode([]interface{}{
		[]interface{}{input.FLBTime{Time: time.Unix(sec, 250000000)}, map[string]interface{}{"origin": "plugin"}},
		map[string]interface{}{"call": inst.calls, "label": inst.label, "kind": "eventtime"}})
	if err != nil {
		return input.FLB_ERROR
	}
	var second []byte
	err = codec.NewEncoderBytes(&second, &codec.MsgpackHandle{}).Encode([]interface{}{
		uint64(sec + 5), map[string]interface{}{"call": inst.calls, "label": inst.label, "kind": "seconds"}})
	if err != nil {
		return input.FLB_ERROR
	}
	out := append(first, second...)
	*data = C.CBytes(out)
	*size = C.size_t(len(out))
	return input.FLB_OK
}

//export FLBPluginInputCleanupCallbackCtx
func FLBPluginInputCleanupCallbackCtx(ctx unsafe.Pointer, data unsafe.Pointer) int {
	C.free(data)
	return input.FLB_OK
}

//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) int { return input.FLB_OK }

func main() {}
