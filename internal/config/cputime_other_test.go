//go:build !unix

package config

import "time"

// cpuTime: wall time where getrusage is not available.
func cpuTime() time.Duration { return time.Duration(time.Now().UnixNano()) }
