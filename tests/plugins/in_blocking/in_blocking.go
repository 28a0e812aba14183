// in_blocking: a Go input (name "blocking") whose FLBPluginInputCallback
// blocks for `block_ms` (default 1500) before returning one record
// {"call": n}. It frees buffers in its own FLBPluginInputCleanupCallback and
// counts the frees in the record of the next call ("freed").
package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/fluent/fluent-bit-go/input"
)

var (
	block = 1500 * time.Millisecond
	calls int64
	freed int64
)

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return input.FLBPluginRegister(def, "blocking", "Blocks in every callback")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	if v := input.FLBPluginConfigKey(plugin, "block_ms"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil {
			return input.FLB_ERROR
		}
		block = time.Duration(ms) * time.Millisecond
	}
	return input.FLB_OK
}

//export FLBPluginInputCallback
func FLBPluginInputCallback(data *unsafe.Pointer, size *C.size_t) int {
	time.Sleep(block)
	n := atomic.AddInt64(&calls, 1)
	b, err := input.NewEncoder().Encode([]interface{}{input.FLBTime{Time: time.Now()},
		map[string]interface{}{"call": n, "freed": atomic.LoadInt64(&freed)}})
	if err != nil {
		return input.FLB_ERROR
	}
	*data = C.CBytes(b)
	*size = C.size_t(len(b))
	return input.FLB_OK
}

//export FLBPluginInputCleanupCallback
func FLBPluginInputCleanupCallback(data unsafe.Pointer) int {
	C.free(data)
	atomic.AddInt64(&freed, 1)
	return input.FLB_OK
}

func main() {}
