package output

import "C"

import (
	"encoding/binary"
	"reflect"
	"time"
	"unsafe"

	"github.com/ugorji/go/codec"
)

// FLBTime is a Fluent Bit EventTime (msgpack ext type 0).
type FLBTime struct {
	time.Time
}

// ReadExt decodes the 8 ext bytes: uint32 seconds, uint32 nanoseconds,
// both big-endian.
func (FLBTime) ReadExt(dst interface{}, b []byte) {
	out := dst.(*FLBTime)
	if len(b) < 8 {
		out.Time = time.Time{}
		return
	}
	sec := binary.BigEndian.Uint32(b[:4])
	nsec := binary.BigEndian.Uint32(b[4:8])
	out.Time = time.Unix(int64(sec), int64(nsec))
}

// WriteExt is required by codec.BytesExt; plugins only decode.
func (FLBTime) WriteExt(interface{}) []byte {
	panic("fluent-bit-go: encoding FLBTime is not supported")
}

// FLBDecoder iterates the records of one chunk.
type FLBDecoder struct {
	handle *codec.MsgpackHandle
	mpdec  *codec.Decoder
}

// One handle for the process: ugorji handles are safe for concurrent use
// once configured, and building one per chunk is costly.
var msgpackHandle = newHandle()

func newHandle() *codec.MsgpackHandle {
	h := new(codec.MsgpackHandle)
	h.RawToString = false // strings reach the plugin as []byte
	if err := h.SetBytesExt(reflect.TypeOf(FLBTime{}), 0, FLBTime{}); err != nil {
		panic(err)
	}
	return h
}

// NewDecoder copies length bytes at data and returns a decoder over them.
func NewDecoder(data unsafe.Pointer, length int) *FLBDecoder {
	b := C.GoBytes(data, C.int(length))
	return &FLBDecoder{
		handle: msgpackHandle,
		mpdec:  codec.NewDecoderBytes(b, msgpackHandle),
	}
}

// GetRecord returns the next record: ret 0 and the timestamp (FLBTime, or
// uint64 seconds for the legacy integer form) and body. ret is -1 at the end
// of the data or when it cannot be decoded, and < -1 when the value read is
// not a record (the decoder has then moved past it).
func GetRecord(dec *FLBDecoder) (ret int, ts interface{}, rec map[interface{}]interface{}) {
	ret, ts, _, rec = GetRecordWithMetadata(dec)
	return ret, ts, rec
}

// GetRecordWithMetadata is GetRecord that also returns the v2 metadata map
// (an empty map for the legacy shapes).
//
//	v2:     [[EventTime, {metadata}], {body}]
//	legacy: [EventTime, {body}]  or  [uint seconds, {body}]
//
// ret: 0 ok, -1 end/undecodable, -2 not a 2-element array, -3 bad header or
// timestamp type (signed integers and floats are rejected), -4 body not a map.
func GetRecordWithMetadata(dec *FLBDecoder) (ret int, ts interface{}, meta map[interface{}]interface{}, rec map[interface{}]interface{}) {
	var v interface{}
	if err := dec.mpdec.Decode(&v); err != nil {
		return -1, 0, nil, nil
	}
	arr, ok := v.([]interface{})
	if !ok || len(arr) != 2 {
		return -2, 0, nil, nil
	}

	head := arr[0]
	meta = map[interface{}]interface{}{}
	if h, isArr := head.([]interface{}); isArr { // v2 header [time, meta]
		if len(h) != 2 {
			return -3, 0, nil, nil
		}
		head = h[0]
		switch m := h[1].(type) {
		case map[interface{}]interface{}:
			meta = m
		case nil:
		default:
			return -3, 0, nil, nil
		}
	}
	switch t := head.(type) {
	case FLBTime:
		ts = t
	case uint64:
		ts = t
	default:
		return -3, 0, nil, nil
	}

	rec, ok = arr[1].(map[interface{}]interface{})
	if !ok {
		return -4, 0, nil, nil
	}
	return 0, ts, meta, rec
}
