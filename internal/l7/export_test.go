package l7

import "time"

// Park quickly in this package's tests, so that every keep-alive test also
// runs through parking and resuming.
func init() { parkAfter = 20 * time.Millisecond }
