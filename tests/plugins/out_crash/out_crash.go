// out_crash: registers "crasher"; writes what it gets like a simple counter, and
// fails the way it is told to, so the plugin host's supervision can be tested.
//
// Keys:
//
//	id        written on every line
//	path      append one JSON line per record: {"id":"a","pid":123,"record":{...}}
//	mode      panic | segfault | exit | hang: what a crash is (default panic)
//	on_flush  N: crash in the Nth flush of this process (0 or unset: never)
//	once      a file: crash only while it does not exist; it is created just before
//	          the crash, so the restarted host delivers the retried chunk
//	init_crash_if  a file: crash in FLBPluginInit while it exists
//
// A crash happens before any record of that chunk is written, so with "once" every
// record is written exactly once. "segfault" writes through a NULL pointer in C
// (a real SIGSEGV outside Go code); "exit" calls os.Exit(3); "hang" never returns.
package main

/*
static void crash_segv(void) { volatile int *p = 0; *p = 42; }
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strconv"
	"sync"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
)

type crasher struct {
	id, path, mode, once string
	onFlush            int

	mu      sync.Mutex
	flushes int
}

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return output.FLBPluginRegister(def, "crasher", "Crashes on demand (panic, segfault, exit, hang)")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	c := &crasher{
		id:   output.FLBPluginConfigKey(plugin, "id"),
		path: output.FLBPluginConfigKey(plugin, "path"),
		mode: output.FLBPluginConfigKey(plugin, "mode"),
		once: output.FLBPluginConfigKey(plugin, "once"),
	}
	c.onFlush, _ = strconv.Atoi(output.FLBPluginConfigKey(plugin, "on_flush"))
	if f := output.FLBPluginConfigKey(plugin, "init_crash_if"); f != "" {
		if _, err := os.Stat(f); err == nil {
			c.crash("FLBPluginInit")
		}
	}
	output.FLBPluginSetContext(plugin, c)
	return output.FLB_OK
}

//export FLBPluginFlushCtx
func FLBPluginFlushCtx(ctx, data unsafe.Pointer, length C.int, tag *C.char) int {
	c := output.FLBPluginGetContext(ctx).(*crasher)
	c.mu.Lock()
	c.flushes++
	n := c.flushes
	c.mu.Unlock()
	if c.onFlush > 0 && n == c.onFlush && c.armed() {
		c.crash(fmt.Sprintf("flush %d", n))
	}

	dec := output.NewDecoder(data, int(length))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for {
		ret, _, rec := output.GetRecord(dec)
		if ret != 0 {
			break
		}
		if c.path == "" {
			continue
		}
		m := make(map[string]interface{}, len(rec))
		for k, v := range rec {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			m[fmt.Sprint(k)] = v
		}
		enc.Encode(map[string]interface{}{"id": c.id, "pid": os.Getpid(), "record": m})
	}
	if buf.Len() > 0 {
		f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			log.Printf("[crasher] %v", err)
			return output.FLB_ERROR
		}
		f.Write(buf.Bytes())
		f.Close()
	}
	return output.FLB_OK
}

// armed: without "once" always; with it, only the first time (the file marks it).
func (c *crasher) armed() bool {
	if c.once == "" {
		return true
	}
	if _, err := os.Stat(c.once); err == nil {
		return false
	}
	os.WriteFile(c.once, []byte("crashed\n"), 0o644)
	return true
}

func (c *crasher) crash(where string) {
	switch c.mode {
	case "segfault":
		C.crash_segv()
	case "exit":
		fmt.Fprintf(os.Stderr, "out_crash: os.Exit(3) in %s\n", where)
		os.Exit(3)
	case "hang":
		select {}
	default:
		panic("out_crash: deliberate panic in " + where)
	}
}

//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) int {
	return output.FLB_OK
}

func main() {}
