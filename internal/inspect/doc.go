// Package inspect is the server side of hooktool's local web inspector:
// an index of the deliveries in capture files (bounded in memory, newest
// first, filtered with the selection language of --where and --event)
// and the HTTP API a page on 127.0.0.1 reads it through. It knows nothing
// of the command line: a command builds an Index and a Server from
// explicit options.
package inspect
