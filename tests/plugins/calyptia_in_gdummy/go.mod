module example.com/calyptia_in_gdummy

go 1.19

require github.com/calyptia/plugin v0.1.4

// Offline: build.sh points this at tests/plugins/calyptia-sdk (our stand-in for the SDK).
replace github.com/calyptia/plugin => ../calyptia-sdk
