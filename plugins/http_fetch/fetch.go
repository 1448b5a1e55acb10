package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/secure-agent/saa/pdk"
)

// maxText is the most of a response body get returns, in bytes of UTF-8.
const maxText = 64 << 10

// errBadURL is returned for a URL that is not absolute http(s).
var errBadURL = errors.New("url must be an absolute http or https URL without credentials")

type getInput struct {
	URL string `json:"url"`
}

type getOutput struct {
	Status    int               `json:"status"`
	Headers   map[string]string `json:"headers"`
	Text      string            `json:"text"`
	Truncated bool              `json:"truncated"`
}

// sender sends one request through the host: pdk.HTTP in the plugin.
type sender func(*pdk.HTTPRequest) (*pdk.HTTPResponse, error)

// get fetches in.URL. Which hosts it may reach is the host's decision, made
// from the manifest's egress list, not this plugin's.
func get(send sender, in getInput) (getOutput, error) {
	if err := checkURL(in.URL); err != nil {
		return getOutput{}, err
	}
	resp, err := send(&pdk.HTTPRequest{Method: "GET", URL: in.URL})
	if err != nil {
		return getOutput{}, fmt.Errorf("get %s: %w", in.URL, err)
	}
	text, truncated := truncate(resp.Body, maxText)
	headers := resp.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	return getOutput{Status: resp.Status, Headers: headers, Text: text, Truncated: truncated}, nil
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", errBadURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return errBadURL
	}
	return nil
}

// truncate returns body as valid UTF-8 of at most limit bytes, cut at a rune
// boundary, and whether anything was cut.
func truncate(body []byte, limit int) (string, bool) {
	if len(body) <= limit {
		return strings.ToValidUTF8(string(body), "\uFFFD"), false
	}
	cut := limit
	for cut > 0 && cut > limit-utf8.UTFMax && !utf8.RuneStart(body[cut]) {
		cut--
	}
	text := strings.ToValidUTF8(string(body[:cut]), "\uFFFD")
	for len(text) > limit { // replacements can lengthen invalid input
		_, size := utf8.DecodeLastRuneInString(text)
		text = text[:len(text)-size]
	}
	return text, true
}

func main() {} // never called: a plugin is a reactor
