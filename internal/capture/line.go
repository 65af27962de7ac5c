package capture

import "bytes"

// ParseLine decodes and checks one line of a capture file (its newline,
// if any, and surrounding space are ignored) as Read does: for a reader
// that keeps byte offsets and reads a record again by its offset, such as
// the inspector's index. The record keeps no byte of line.
func ParseLine(line []byte) (*Record, error) {
	return parse(bytes.TrimSpace(line))
}
