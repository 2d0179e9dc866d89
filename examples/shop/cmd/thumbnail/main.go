// Command thumbnail prints thumbnail sizes for WIDTHxHEIGHT arguments.
package main

import (
	"fmt"
	"os"

	"example.com/shop/internal/imaging"
)

func main() {
	for _, arg := range os.Args[1:] {
		var w, h int
		if _, err := fmt.Sscanf(arg, "%dx%d", &w, &h); err != nil {
			fmt.Fprintf(os.Stderr, "bad size %q: %v\n", arg, err)
			os.Exit(2)
		}
		tw, th := imaging.Fit(w, h, 256)
		fmt.Printf("%s -> %dx%d\n", arg, tw, th)
	}
}
