package cli

import (
	"net/url"
	"strings"

	"github.com/hooktool/hooktool/internal/httpx"
)

// defaultTarget is where sign and trigger point when no --to or endpoint
// URL says otherwise: hooktool listen's default address.
const defaultTarget = "http://127.0.0.1:4242/"

// normalizeURL makes a target URL absolute: "localhost:3000/hook" becomes
// "http://localhost:3000/hook", and a bare host gets its "/", so what is
// signed ({url}) is what is requested.
func normalizeURL(what, target string) (string, error) {
	orig := target
	if !strings.Contains(target, "://") {
		target = "http://" + target
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", usageErr("%s %q is not an http:// or https:// URL", what, orig)
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", usageErr("%s %q has an empty port", what, orig)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// target picks where to send: --to, else the endpoint's URL (or callback
// URL), else listen's default address.
func (r *resolvedSigning) target(to string, callback bool) (string, error) {
	if to != "" {
		if callback {
			return "", usageErr("--callback sends to the endpoint's callback URL: it does not go with --to")
		}
		return normalizeURL("--to", to)
	}
	if r.endpoint != "" {
		e := r.cfg.Endpoints[r.endpoint]
		if callback {
			if e.CallbackURL == "" {
				return "", usageErr("endpoint %s has no callback_url", r.endpoint)
			}
			return normalizeURL("endpoint "+r.endpoint+" callback_url", e.CallbackURL)
		}
		if e.URL != "" {
			return normalizeURL("endpoint "+r.endpoint+" url", e.URL)
		}
		return "", usageErr("endpoint %s has no url: set one, or give --to", r.endpoint)
	}
	if callback {
		return "", usageErr("--callback needs --endpoint NAME with a callback_url in the config")
	}
	return defaultTarget, nil
}

// pathRule is the httpx.PathRule of --path-prefix: the target's path before
// each delivery's, else the default (a target's path replaces the
// delivery's; one without a path keeps it).
func pathRule(prefix bool) httpx.PathRule {
	if prefix {
		return httpx.PathPrefix
	}
	return httpx.PathReplace
}
