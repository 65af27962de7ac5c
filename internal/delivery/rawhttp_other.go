//go:build !unix

package delivery

// peek cannot look at the socket here: an idle connection counts as alive
// (a dead one is then found by writing to it, and replaced).
func (pc *h1Conn) peek(fd uintptr) bool {
	pc.peekAlive = true
	return true
}
