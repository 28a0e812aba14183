// out_result: returns a chosen flush result, for retry/error tests.
//
// Keys:
//
//	result      ok | retry | error, or an integer returned as is (default ok)
//	fail_first  N: only the first N flushes return "result", later ones FLB_OK
//	            (default: every flush returns "result")
//	path        per flush call append "<flush#>\t<tag>\t<records>\t<code>\n"
//	            (flush# counts from 1 per instance)
package main

import (
	"C"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
)

type result struct {
	code      int
	failFirst int // -1: always
	path      string

	mu      sync.Mutex
	flushes int
}

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return output.FLBPluginRegister(def, "result", "Returns a configured flush result")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	r := &result{code: output.FLB_OK, failFirst: -1, path: output.FLBPluginConfigKey(plugin, "path")}
	switch v := strings.ToLower(output.FLBPluginConfigKey(plugin, "result")); v {
	case "", "ok":
	case "retry":
		r.code = output.FLB_RETRY
	case "error":
		r.code = output.FLB_ERROR
	default:
		n, err := strconv.Atoi(v)
		if err != nil {
			log.Printf("[result] bad result %q", v)
			return output.FLB_ERROR
		}
		r.code = n
	}
	if v := output.FLBPluginConfigKey(plugin, "fail_first"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			log.Printf("[result] bad fail_first %q", v)
			return output.FLB_ERROR
		}
		r.failFirst = n
	}
	output.FLBPluginSetContext(plugin, r)
	return output.FLB_OK
}

//export FLBPluginFlushCtx
func FLBPluginFlushCtx(ctx, data unsafe.Pointer, length C.int, tag *C.char) int {
	r, ok := output.FLBPluginGetContext(ctx).(*result)
	if !ok {
		log.Printf("[result] FlushCtx with unknown ctx %v", ctx)
		return output.FLB_ERROR
	}
	records := 0
	dec := output.NewDecoder(data, int(length))
	for {
		if ret, _, _ := output.GetRecord(dec); ret != 0 {
			break
		}
		records++
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushes++
	code := r.code
	if r.failFirst >= 0 && r.flushes > r.failFirst {
		code = output.FLB_OK
	}
	if r.path != "" {
		line := fmt.Sprintf("%d\t%s\t%d\t%d\n", r.flushes, C.GoString(tag), records, code)
		f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err == nil {
			_, err = f.WriteString(line)
			f.Close()
		}
		if err != nil {
			log.Printf("[result] %v", err)
		}
	}
	return code
}

//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) int {
	return output.FLB_OK
}

func main() {}
