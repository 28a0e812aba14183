// in_crash: a Go input (name "crash") that returns `records` records (default
// 2) per FLBPluginInputCallback, {"seq": n, "run": r} numbered from 1, and on
// callback `crash_after`+1 (default 3) dies: `how panic` (default) panics,
// `how exit` calls os.Exit(3). `run` is this process's count of Inits (the
// engine re-initialises the input in a new plugin host after a crash). When the
// file named by `fail_init_if` exists, Init returns FLB_ERROR (restarts fail).
package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"time"
	"unsafe"

	"github.com/fluent/fluent-bit-go/input"
)

var (
	perCallback = 2
	crashAfter  = 3
	how         = "panic"
	callbacks   int
	seq         int
	runs        int
)

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return input.FLBPluginRegister(def, "crash", "Returns records, then crashes")
}

func number(plugin unsafe.Pointer, key string, fallback int) (int, bool) {
	v := input.FLBPluginConfigKey(plugin, key)
	if v == "" {
		return fallback, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	if marker := input.FLBPluginConfigKey(plugin, "fail_init_if"); marker != "" {
		if _, err := os.Stat(marker); err == nil {
			return input.FLB_ERROR
		}
	}
	var ok1, ok2 bool
	perCallback, ok1 = number(plugin, "records", 2)
	crashAfter, ok2 = number(plugin, "crash_after", 3)
	if !ok1 || !ok2 {
		return input.FLB_ERROR
	}
	if v := input.FLBPluginConfigKey(plugin, "how"); v != "" {
		how = v
	}
	runs++
	return input.FLB_OK
}

//export FLBPluginInputCallback
func FLBPluginInputCallback(data *unsafe.Pointer, size *C.size_t) int {
	callbacks++
	if callbacks > crashAfter {
		if how == "exit" {
			os.Exit(3)
		}
		panic(fmt.Sprintf("in_crash: callback %d", callbacks))
	}
	enc := input.NewEncoder()
	var out []byte
	now := input.FLBTime{Time: time.Now()}
	for i := 0; i < perCallback; i++ {
		seq++
		b, err := enc.Encode([]interface{}{now, map[string]interface{}{"seq": seq, "run": runs}})
		if err != nil {
			return input.FLB_ERROR
		}
		out = append(out, b...)
	}
	*data = C.CBytes(out)
	*size = C.size_t(len(out))
	return input.FLB_OK
}

//export FLBPluginExit
func FLBPluginExit() int { return input.FLB_OK }

func main() {}
