// Package orders holds the order model shared by every binary. Pure Go.
package orders

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Order is one customer order.
type Order struct {
	ID       string `json:"id"`
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
	Cents    int64  `json:"cents"`
}

// Parse decodes and validates one JSON order.
func Parse(b []byte) (Order, error) {
	var o Order
	if err := json.Unmarshal(b, &o); err != nil {
		return o, fmt.Errorf("orders: %w", err)
	}
	if o.ID == "" || o.Quantity <= 0 {
		return o, errors.New("orders: id and positive quantity required")
	}
	return o, nil
}

// Total returns the order total in cents.
func (o Order) Total() int64 { return int64(o.Quantity) * o.Cents }
