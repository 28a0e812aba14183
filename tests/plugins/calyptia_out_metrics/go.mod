module example.com/calyptia_out_metrics

go 1.19

require github.com/calyptia/plugin v0.1.4

// Offline: build.sh points this at tests/plugins/calyptia-sdk (our stand-in for the SDK), so
// the build info keeps the SDK's module path and the 2022 revision.
replace github.com/calyptia/plugin => ../calyptia-sdk
