package output

// The pre-2023 decoder (before fluent-bit-go a7a013e), written for CoreAgent's
// tests: it knows only [EventTime, {body}] and [uint, {body}]. Handed a v2
// event it returns the [EventTime, {metadata}] header array as the timestamp,
// as the old SDK did. It has no GetRecordWithMetadata.

import "C"

import (
	"encoding/binary"
	"reflect"
	"time"
	"unsafe"

	"github.com/ugorji/go/codec"
)

type FLBTime struct {
	time.Time
}

func (FLBTime) ReadExt(dst interface{}, b []byte) {
	out := dst.(*FLBTime)
	if len(b) < 8 {
		return
	}
	out.Time = time.Unix(int64(binary.BigEndian.Uint32(b[:4])), int64(binary.BigEndian.Uint32(b[4:8])))
}

func (FLBTime) WriteExt(interface{}) []byte {
	panic("unsupported")
}

type FLBDecoder struct {
	handle *codec.MsgpackHandle
	mpdec  *codec.Decoder
}

func NewDecoder(data unsafe.Pointer, length int) *FLBDecoder {
	b := C.GoBytes(data, C.int(length))
	h := new(codec.MsgpackHandle)
	h.RawToString = false
	h.SetBytesExt(reflect.TypeOf(FLBTime{}), 0, FLBTime{})
	return &FLBDecoder{handle: h, mpdec: codec.NewDecoderBytes(b, h)}
}

// GetRecord: ret 0 ok, -1 end or undecodable, -2 not a 2-element array.
func GetRecord(dec *FLBDecoder) (ret int, ts interface{}, rec map[interface{}]interface{}) {
	var v interface{}
	if err := dec.mpdec.Decode(&v); err != nil {
		return -1, 0, nil
	}
	arr, ok := v.([]interface{})
	if !ok || len(arr) != 2 {
		return -2, 0, nil
	}
	ts = arr[0]
	rec, ok = arr[1].(map[interface{}]interface{})
	if !ok {
		return -2, 0, nil
	}
	return 0, ts, rec
}
