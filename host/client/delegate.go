package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// RFC 8693 identifiers, as the server's host/auth defines them.
const (
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeAccess    = "urn:ietf:params:oauth:token-type:access_token"
)

// exchangeMargin is how long before its expiry an exchanged token is
// replaced.
const exchangeMargin = 30 * time.Second

// maxCachedTokens bounds the exchanged tokens kept, one per scope set.
const maxCachedTokens = 64

// exchanger trades the client's own token for narrower ones, cached per
// scope set until shortly before they expire.
type exchanger struct {
	tokenURL   string
	id, secret string
	parent     oauth2.TokenSource
	plain      *http.Client

	mu     sync.Mutex
	tokens map[string]*oauth2.Token
}

func newExchanger(base, id, secret string, parent oauth2.TokenSource, plain *http.Client) *exchanger {
	return &exchanger{tokenURL: base + "/oauth2/token", id: id, secret: secret, parent: parent, plain: plain, tokens: map[string]*oauth2.Token{}}
}

// token returns an access token for exactly scopes, exchanged from the
// client's current token.
func (x *exchanger) token(ctx context.Context, scopes []string) (string, error) {
	sorted := slices.Sorted(slices.Values(scopes))
	key := strings.Join(sorted, " ")
	x.mu.Lock()
	defer x.mu.Unlock()
	if t, ok := x.tokens[key]; ok && time.Until(t.Expiry) > exchangeMargin {
		return t.AccessToken, nil
	}
	parent, err := x.parent.Token()
	if err != nil {
		return "", fmt.Errorf("get token: %w", scrub(err))
	}
	t, err := x.exchange(ctx, parent.AccessToken, key)
	if err != nil {
		return "", err
	}
	if len(x.tokens) >= maxCachedTokens {
		clear(x.tokens)
	}
	x.tokens[key] = t
	return t.AccessToken, nil
}

// exchange asks the token endpoint for a child of subject with scope.
func (x *exchanger) exchange(ctx context.Context, subject, scope string) (*oauth2.Token, error) {
	form := url.Values{"grant_type": {grantTokenExchange}, "subject_token": {subject},
		"subject_token_type": {tokenTypeAccess}, "scope": {scope}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(x.id), url.QueryEscape(x.secret))
	resp, err := x.plain.Do(req)
	if err != nil {
		return nil, fmt.Errorf("exchange token: %w", scrub(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("exchange token: read: %w", err)
	}
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	if json.Unmarshal(body, &out) != nil || resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		// Only the OAuth error code: the body could echo what was sent.
		return nil, fmt.Errorf("exchange token: status %d %s", resp.StatusCode, clip(out.Error))
	}
	return &oauth2.Token{AccessToken: out.AccessToken, TokenType: "Bearer", Expiry: time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)}, nil
}

func clip(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.ToValidUTF8(s, "?")
}

type tokenKey struct{}

// withToken makes the request sent with ctx carry tok instead of the
// client's own token.
func withToken(ctx context.Context, tok string) context.Context {
	return context.WithValue(ctx, tokenKey{}, tok)
}

func tokenFrom(ctx context.Context) (string, bool) {
	tok, ok := ctx.Value(tokenKey{}).(string)
	return tok, ok && tok != ""
}
