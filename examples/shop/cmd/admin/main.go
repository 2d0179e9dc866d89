// Command admin prints who is running maintenance. os/user uses cgo's
// getpwuid_r unless built with -tags osusergo or CGO_ENABLED=0.
package main

import (
	"fmt"
	"log"
	"os/user"
)

func main() {
	u, err := user.Current()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("maintenance run by %s (uid %s, home %s)\n", u.Username, u.Uid, u.HomeDir)
}
