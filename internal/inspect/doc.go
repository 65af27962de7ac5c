// Package inspect is the server side of hooktool's local web inspector:
// an index of the deliveries in capture files (bounded in memory, newest
// first, filtered with the selection language of --where and --event)
// and the HTTP API a page on 127.0.0.1 reads it through. It knows nothing
// of the command line: a command builds an Index and a Server from
// explicit options.
//
// The API (JSON, every /api request with the run's token):
//
//	GET /                              the page (opened once as /?token=T, which sets the cookie)
//	GET /assets/{file}                 its script and style, embedded
//	GET /api/deliveries                a page, newest first: ?event=GLOB&where=COND...&q=TEXT&limit=N&cursor=NEXT
//	GET /api/deliveries/{id}           one delivery: headers (secrets "[redacted]"), body, verdict, forward
//	GET /api/deliveries/{id}/body      its body's bytes as received, as a download
//	GET /api/deliveries/{id}/har       HAR of one
//	GET /api/har?id=A&id=B             HAR of those selected; without id=, of all the filter shows
//	GET /api/events?after=SEQ          Server-Sent Events: each new delivery (the same filter parameters)
//
// Not done yet (the next session; each is a POST, behind the guard of
// ServeHTTP: token and no foreign Origin):
//   - POST /api/deliveries/{id}/replay: byte-exact or re-signed, to the
//     forward target or a URL typed in, through internal/replay (the
//     engine `hooktool replay` uses); the result shown, and with
//     `listen --save` recorded as a new delivery with replay_of.
//   - POST /api/deliveries/{id}/resend: edited body and headers, always
//     re-signed (the edits of `replay --set/--set-str/--unset`), with what
//     changed from the original shown before sending.
//   - GET or POST /api/diff?a=ID&b=ID: request line, headers and a
//     structural JSON diff of the bodies, from the diff engine of
//     `hooktool captures diff` (internal/capture/compare), a byte diff otherwise.
//   - The page itself (ui/ is a placeholder): list, detail, actions,
//     keyboard, light and dark; browser tests in Chromium.
//
// Files are followed as they grow by Index.Follow: capture.Follow (the
// one follower, that of `captures list --follow`) from where NewIndex
// stopped reading each file, every record handed to Index.Add with its
// place (file, offset, length).
package inspect
