package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/secure-agent/saa/pdk"
)

// defaultBaseURL is the API the plugin talks to when config base_url is unset.
const defaultBaseURL = "https://gmail.googleapis.com"

// messagesPath is the signed-in user's messages in the Gmail API.
const messagesPath = "/gmail/v1/users/me/messages"

// errInvalidInput is wrapped by every input refused before any request.
var errInvalidInput = errors.New("invalid input")

// sender sends one request through the host: pdk.HTTP in the plugin.
type sender func(*pdk.HTTPRequest) (*pdk.HTTPResponse, error)

// client calls the Gmail API through send. auth is the Authorization header
// value: a secret reference, never the token itself.
type client struct {
	base string
	send sender
	auth string
}

type listInput struct {
	Max   int    `json:"max,omitempty"`
	Query string `json:"query,omitempty"`
}

type message struct {
	ID       string `json:"id"`
	ThreadID string `json:"thread_id"`
}

type listOutput struct {
	Messages []message `json:"messages"`
}

type sendInput struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
}

// apiMessage is the part of Gmail's message resource the plugin reads.
type apiMessage struct {
	ID       string `json:"id"`
	ThreadID string `json:"threadId"`
}

func main() {} // never called: a plugin is a reactor

// baseURL returns configured without a trailing slash, or the default.
func baseURL(configured string) string {
	if configured == "" {
		return defaultBaseURL
	}
	return strings.TrimRight(configured, "/")
}

// list returns the newest messages (10 by default, at most 50) matching
// the Gmail search query, if any.
func (c client) list(in listInput) (listOutput, error) {
	if in.Max == 0 {
		in.Max = 10
	}
	if in.Max < 1 || in.Max > 50 {
		return listOutput{}, fmt.Errorf("%w: max is 1 to 50", errInvalidInput)
	}
	q := url.Values{"maxResults": {strconv.Itoa(in.Max)}}
	if in.Query != "" {
		q.Set("q", in.Query)
	}
	var resp struct {
		Messages []apiMessage `json:"messages"`
	}
	if err := c.do("GET", messagesPath+"?"+q.Encode(), nil, &resp); err != nil {
		return listOutput{}, err
	}
	out := listOutput{Messages: make([]message, 0, len(resp.Messages))}
	for _, m := range resp.Messages {
		out.Messages = append(out.Messages, message(m))
	}
	return out, nil
}

// sendMessage sends a plain-text message from the user's own address.
func (c client) sendMessage(in sendInput) (message, error) {
	raw, err := compose(in)
	if err != nil {
		return message{}, err
	}
	body := map[string]string{"raw": base64.URLEncoding.EncodeToString(raw)}
	var resp apiMessage
	if err := c.do("POST", messagesPath+"/send", body, &resp); err != nil {
		return message{}, err
	}
	return message(resp), nil
}

// compose builds the RFC 5322 message. Every header value is checked: an
// input (often a model's output) must not add headers or recipients by
// smuggling a line break.
func compose(in sendInput) ([]byte, error) {
	if len(in.To) == 0 || len(in.To) > 20 {
		return nil, fmt.Errorf("%w: to has 1 to 20 addresses", errInvalidInput)
	}
	to := make([]string, len(in.To))
	for i, a := range in.To {
		addr, err := mail.ParseAddress(a)
		if err != nil || strings.ContainsAny(a, "\r\n") {
			return nil, fmt.Errorf("%w: to[%d] is not an address", errInvalidInput, i)
		}
		to[i] = addr.String()
	}
	if strings.ContainsAny(in.Subject, "\r\n") || len(in.Subject) > 998 {
		return nil, fmt.Errorf("%w: subject is one line of at most 998 bytes", errInvalidInput)
	}
	var b strings.Builder
	b.WriteString("To: " + strings.Join(to, ", ") + "\r\n")
	b.WriteString("Subject: " + mimeWord(in.Subject) + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString([]byte(in.Body)))
	return []byte(b.String()), nil
}

// mimeWord encodes a subject that is not plain ASCII (RFC 2047).
func mimeWord(s string) string {
	for _, r := range s {
		if r >= 0x80 {
			return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
		}
	}
	return s
}

// do sends method path with body (if not nil), expects 200 and decodes the
// answer into out.
func (c client) do(method, path string, body, out any) error {
	req := &pdk.HTTPRequest{Method: method, URL: c.base + path, Headers: map[string]string{
		"Accept": "application/json", "Authorization": c.auth,
	}}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		req.Body, req.Headers["Content-Type"] = b, "application/json"
	}
	resp, err := c.send(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.Status != 200 {
		return apiError(resp)
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("decode gmail answer: %w", err)
	}
	return nil
}

// apiError reports a Gmail error by its status and message, not its body.
func apiError(resp *pdk.HTTPResponse) error {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(resp.Body, &e)
	msg := e.Error.Message
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return fmt.Errorf("gmail answered %d: %s", resp.Status, msg)
}
