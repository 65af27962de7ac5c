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
//	GET /api/deliveries/{id}/curl      {"curl"}: export.Curl's command to send it again, secrets "[redacted]"
//	GET /api/har?id=A&id=B             HAR of those selected; without id=, of all the filter shows
//	GET /api/events?after=SEQ          Server-Sent Events: each new delivery (the same filter parameters)
//	GET /api/diff?a=ID&b=ID            compare.Result, as `captures diff --json` prints it (header secrets "[redacted]")
//	POST /api/deliveries/{id}/replay   {"to"?, "resign"}: sent once through replay.Run; an ActionResult
//	POST /api/deliveries/{id}/resend   {"to"?, "set"?, "unset"?, "body"?, "set_headers"?, "unset_headers"?}:
//	                                   edited (replay.EditBody, replay.Options.Header), always re-signed;
//	                                   ?preview=1 answers the edited body, how the body and the headers
//	                                   change, and the headers no edit may name; sends nothing
//
// The POSTs take application/json, at most MaxActionBody bytes, behind
// the guard of ServeHTTP (token, no foreign Origin). A replay goes to its
// "to" (an absolute http or https URL) or Options.Target, placed by
// httpx.TargetURL; with neither, or re-signing without Options.Secrets,
// it is a 400 and nothing is sent. With Options.Store each is kept as a
// new record with replay_of. `listen --ui` fills them from the listener:
// the --forward-to app, its signing, its capture writer.
//
// The page (ui/: index.html, app.js, style.css, no framework, nothing
// fetched from elsewhere) builds every node with createElement and sets
// delivery data as text only; TestUIAssetsHaveNoHTMLSinksOrInlineScript
// guards its assets statically.
//
// The page (ui/) is tested in a real headless Chromium, driven by
// chromedp: TestBrowserPage (the list, a live delivery, a hostile one
// rendered as text, no dialog, no error in the page) and
// TestBrowserActions, which puts `listen --ui` together from its engines
// (the listener verifying signed Aella deliveries into a capture file,
// this server over it with the actions' options) and clicks through each
// action: a delivery arriving live, its verdict and JSON tree, Replay
// byte-exact and re-signed to a loopback sink (the bytes compared with the
// capture's), Edit and resend (the preview's change, then the signature
// the sink got verified with the secret), Diff with a marked delivery, and
// the HAR of one and of all shown as the browser downloads them. It takes
// the screenshots in docs/ (the list, the detail, the diff), which
// -update-screenshots writes there. TestBrowserKeyboard does the actions
// with keys only (j/k, Enter, m, d, r, e, Esc). The tests of
// browser_edit_test.go do Edit and resend with headers to a sink, the HAR
// of a selection, and the JSON tree's numbers as sent. bench/listen.sh
// compares listen --save with and without --ui while bench/pageclient
// follows the page's events.
//
// Files are followed as they grow by Index.Follow: capture.Follow (the
// one follower, that of `captures list --follow`) from where NewIndex
// stopped reading each file, every record handed to Index.Add with its
// place (file, offset, length). `listen --ui` writes the file itself, so
// its writer hands each record to Index.Add as it writes it
// (capture.Writer.OnAppend) and nothing is read back. Event streams write
// at most every Options.EventEvery; a batch of more than MaxLimit is a
// reset.
package inspect
