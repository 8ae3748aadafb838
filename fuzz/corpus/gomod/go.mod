module m
go 1.22.0
toolchain go1.22.5
require (
	a v1.0.0 // indirect
	"b" v2
)
replace a => ../a
replace b v2 => c v3
