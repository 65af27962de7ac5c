// Package interop holds hooktool's HMAC schemes and the catalog's Razorpay
// profile to the official Go verification libraries of their providers:
// stripe-go, the Standard Webhooks Go library, svix's Go library,
// go-github, slack-go and razorpay-go.
//
// It is a module of its own, so that those libraries and their dependencies
// stay out of hooktool's go.mod; since hooktool's packages are internal, the
// tests build the hooktool binary from the enclosing repository and drive
// `hooktool sign` and `hooktool verify`, as a user does. Run it with
//
//	cd bench/interop/go && go test -count=1 -v ./...
//
// Every case must be as expected (the same verdict on both sides, or a
// difference the README documents); the table per library is printed at
// the end (with -v).
package interop
