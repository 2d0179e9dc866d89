// Command api serves orders over HTTP. net/http pulls in net, whose cgo resolver
// makes this binary dynamically linked unless built with -tags netgo or CGO_ENABLED=0.
package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"

	"example.com/shop/internal/orders"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o, err := orders.Parse(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": o.ID, "total_cents": o.Total()})
	})
	addr := os.Getenv("SHOP_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	log.Printf("api listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}
