// Package interop holds hooktool's HMAC schemes to the official Go
// verification libraries of their providers: stripe-go, the Standard
// Webhooks Go library, svix's Go library, go-github and slack-go.
//
// It is a module of its own, so that those libraries and their dependencies
// stay out of hooktool's go.mod; since hooktool's packages are internal, the
// tests build the hooktool binary from the enclosing repository and drive
// `hooktool sign` and `hooktool verify`, as a user does. Run it with
//
//	cd bench/interop/go && go test -count=1 -v ./...
//
// Every case must agree; the table of cases agreeing per library is printed
// at the end (with -v).
package interop
