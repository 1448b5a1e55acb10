package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/secure-agent/saa/pdk"
)

// defaultBaseURL is the API the plugin talks to when config base_url is unset.
const defaultBaseURL = "https://api.github.com"

// perPage is how many issues list_issues asks for: GitHub's first page.
const perPage = 30

// errInvalidInput is wrapped by every input the plugin refuses before any
// request is made.
var errInvalidInput = errors.New("invalid input")

// namePattern is what GitHub allows in an owner or repository name; "." and
// ".." are refused separately so a name can never climb the URL path.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// sender sends one request through the host: pdk.HTTP in the plugin.
type sender func(*pdk.HTTPRequest) (*pdk.HTTPResponse, error)

// client calls the GitHub REST API through send. auth is the Authorization
// header value: a secret reference, never the token itself.
type client struct {
	base string
	send sender
	auth string
}

// baseURL returns configured without a trailing slash, or the default.
func baseURL(configured string) string {
	if configured == "" {
		return defaultBaseURL
	}
	return strings.TrimRight(configured, "/")
}

// do sends method path with body (if not nil), expects status want and
// decodes the response into out.
func (c client) do(method, path string, body, out any, want int) error {
	req := &pdk.HTTPRequest{Method: method, URL: c.base + path, Headers: map[string]string{
		"Accept":               "application/vnd.github+json",
		"Authorization":        c.auth,
		"User-Agent":           "saa-github-plugin",
		"X-GitHub-Api-Version": "2022-11-28",
	}}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		req.Body = b
		req.Headers["Content-Type"] = "application/json"
	}
	resp, err := c.send(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.Status != want {
		return apiError(method, path, resp)
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", method, path, err)
	}
	return nil
}

// apiError reports a GitHub error with its message, not its whole body.
func apiError(method, path string, resp *pdk.HTTPResponse) error {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(resp.Body, &e) != nil || e.Message == "" {
		return fmt.Errorf("%s %s: github answered %d", method, path, resp.Status)
	}
	return fmt.Errorf("%s %s: github answered %d: %s", method, path, resp.Status, e.Message)
}

// repoPath returns /repos/{owner}/{repo} after checking both names.
func repoPath(owner, repo string) (string, error) {
	for _, name := range []string{owner, repo} {
		if !namePattern.MatchString(name) || name == "." || name == ".." {
			return "", fmt.Errorf("%w: %q is not a GitHub owner or repository name", errInvalidInput, name)
		}
	}
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(repo), nil
}

func main() {} // never called: a plugin is a reactor
