//go:build unix

package delivery

import "syscall"

// peek looks at an idle connection's socket without blocking: a pending
// byte (an answer nobody asked for) or the end of the stream (the server
// closed it) makes it unusable; nothing to read leaves it alive.
func (pc *h1Conn) peek(fd uintptr) bool {
	_, _, err := syscall.Recvfrom(int(fd), pc.peekBuf[:], syscall.MSG_PEEK)
	pc.peekAlive = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK || err == syscall.EINTR
	return true // done: never wait for the socket to be readable
}
