// modlegacy_out_times: legacy_out_times built in module mode: go.mod requires an old
// fluent-bit-go pseudo-version (replaced by gopath-legacy), kept in the build info.
//
//	sec<TAB>nsec<TAB>msg       when the timestamp is an FLBTime
//	flush-time<TAB>msg         otherwise (what old plugins did: time.Now())
package main

import (
	"C"
	"fmt"
	"os"
	"sync"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
)

var mu sync.Mutex

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return output.FLBPluginRegister(def, "legacy_times", "Writes record times, built with a pre-2023 fluent-bit-go")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	output.FLBPluginSetContext(plugin, output.FLBPluginConfigKey(plugin, "path"))
	return output.FLB_OK
}

//export FLBPluginFlushCtx
func FLBPluginFlushCtx(ctx, data unsafe.Pointer, length C.int, tag *C.char) int {
	path := output.FLBPluginGetContext(ctx).(string)
	dec := output.NewDecoder(data, int(length))
	var out []byte
	for {
		ret, ts, rec := output.GetRecord(dec)
		if ret != 0 {
			break
		}
		msg := fmt.Sprintf("%s", rec["msg"])
		if t, ok := ts.(output.FLBTime); ok {
			out = append(out, fmt.Sprintf("%d\t%d\t%s\n", t.Unix(), t.Nanosecond(), msg)...)
		} else {
			out = append(out, fmt.Sprintf("flush-time\t%s\n", msg)...)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return output.FLB_ERROR
	}
	defer f.Close()
	f.Write(out)
	return output.FLB_OK
}

//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) int {
	return output.FLB_OK
}

func main() {}
