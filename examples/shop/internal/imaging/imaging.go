// Package imaging wraps a small C routine. Its only Go file uses cgo, so the
// package (and every binary importing it) needs cgo and the external linker.
package imaging

// #include "scale.h"
import "C"

// Fit returns w x h scaled down to fit a max x max thumbnail.
func Fit(w, h, max int) (int, int) {
	var ow, oh C.int
	C.fit_within(C.int(w), C.int(h), C.int(max), &ow, &oh)
	return int(ow), int(oh)
}
