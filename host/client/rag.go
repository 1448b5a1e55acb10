package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/rag"
)

// Search searches a handle over GET /v1/rag/{handle}/search. The server
// answers only for the token's principal; p is not sent. A handle that is
// malformed is refused before any request, like one the server does not
// find for this token: both wrap host.ErrHandleNotFound.
func (c *Client) Search(ctx context.Context, _ host.Principal, handle string, o rag.SearchOptions) ([]rag.Hit, error) {
	q := url.Values{"q": {o.Query}}
	if o.K != 0 {
		q.Set("k", strconv.Itoa(o.K))
	}
	if o.Contains != "" {
		q.Set("contains", o.Contains)
	}
	var out struct {
		Hits []rag.Hit `json:"hits"`
	}
	if err := c.ragGet(ctx, handle, "/search?"+q.Encode(), &out); err != nil {
		return nil, err
	}
	return out.Hits, nil
}

// Chunks expands a chunk over GET /v1/rag/{handle}/chunks/{id}; errors as
// Search, and host.ErrNoChunk for a chunk id the handle does not have.
func (c *Client) Chunks(ctx context.Context, _ host.Principal, handle string, id, neighbours int) ([]rag.Chunk, error) {
	if id < 0 || neighbours < 0 {
		return nil, fmt.Errorf("%w: id and neighbours must not be negative", host.ErrInvalidQuery)
	}
	var out struct {
		Chunks []rag.Chunk `json:"chunks"`
	}
	path := "/chunks/" + strconv.Itoa(id) + "?neighbours=" + strconv.Itoa(neighbours)
	if err := c.ragGet(ctx, handle, path, &out); err != nil {
		return nil, err
	}
	return out.Chunks, nil
}

// ragGet gets rest under handle's path and decodes it into v, mapping the
// server's answers to the host's handle errors.
func (c *Client) ragGet(ctx context.Context, handle, rest string, v any) error {
	if !rag.ValidHandle(handle) {
		return fmt.Errorf("%w: malformed handle", host.ErrHandleNotFound)
	}
	body, err := c.do(ctx, http.MethodGet, "/v1/rag/"+handle+rest, nil)
	var pe *problemErr
	switch {
	case errors.As(err, &pe) && pe.status == http.StatusNotFound && pe.detail == "no such handle":
		return fmt.Errorf("%w: %s", host.ErrHandleNotFound, handle)
	case errors.As(err, &pe) && pe.status == http.StatusNotFound:
		return fmt.Errorf("%w: %s", host.ErrNoChunk, pe.detail)
	case errors.As(err, &pe) && pe.status == http.StatusBadRequest:
		return fmt.Errorf("%w: %s", host.ErrInvalidQuery, pe.detail)
	case err != nil:
		return fmt.Errorf("rag: %w", err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("rag: decode: %w", err)
	}
	return nil
}
