package mcp

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/secure-agent/saa/host/problem"
)

// checkHost refuses requests whose Host, or Origin when a browser sends
// one, is not this server's: a page on another site that resolves its own
// name to this server (DNS rebinding) sends its own name in both. The
// server's public host is allowed; when that is a loopback name, so is any
// loopback name (a local client may say localhost or 127.0.0.1).
func (s *Server) checkHost(next http.Handler) http.Handler {
	public, _ := url.Parse(s.resource)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.allowedHost(public, r.Host) {
			problem.Write(w, http.StatusForbidden, problem.KindForbidden, "the Host header does not name this server")
			return
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || u.Scheme != public.Scheme || !s.allowedHost(public, u.Host) {
				problem.Write(w, http.StatusForbidden, problem.KindForbidden, "cross-origin requests are not allowed")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// allowedHost reports whether hostport names the public server.
func (s *Server) allowedHost(public *url.URL, hostport string) bool {
	if strings.EqualFold(hostport, public.Host) {
		return true
	}
	return isLoopback(public.Hostname()) && isLoopback(hostOnly(hostport))
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
