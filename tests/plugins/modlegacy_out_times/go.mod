module example.com/modlegacy_out_times

go 1.19

require (
	github.com/fluent/fluent-bit-go v0.0.0-20220225140424-d3d1b2b18a85
	github.com/ugorji/go/codec v1.2.8
)

// Offline: build.sh copies this directory and points both replaces at absolute local paths.
replace github.com/fluent/fluent-bit-go => ../gopath-legacy/src/github.com/fluent/fluent-bit-go

replace github.com/ugorji/go/codec => ./ugorji-codec-placeholder
