package signature

import "net/http"

// SignedID is the message id that s signs, as h carries it: Standard
// Webhooks' webhook-id, Svix's svix-id (or webhook-id, as Svix reads the
// unbranded headers), the hmac scheme's id header when its template signs
// {id}; "" when s signs none or h has none. A provider keeps it when it
// re-sends a delivery, re-signed with a fresh timestamp: with the body, it
// tells a retry from a new message (capture.Identity). body is read by a
// profile whose signature travels in it.
func SignedID(s Scheme, h http.Header, body []byte) string {
	if s == nil || !s.UsesID() {
		return ""
	}
	p, _ := parseMessage(s, Message{Header: h, Body: body})
	return p.id
}
