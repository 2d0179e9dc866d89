// Command worker drains a newline-delimited JSON queue file. Pure Go: static binary.
package main

import (
	"bufio"
	"fmt"
	"log"
	"os"

	"example.com/shop/internal/orders"
)

func main() {
	path := "queue.jsonl"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var n int
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		o, err := orders.Parse(sc.Bytes())
		if err != nil {
			log.Printf("skipping: %v", err)
			continue
		}
		n++
		total += o.Total()
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("processed %d orders, %d cents\n", n, total)
}
