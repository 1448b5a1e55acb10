package egress

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/secure-agent/saa/pdk/wire"
)

// maxStreamLine bounds one line of a streamed body: server-sent events
// arrive a line at a time, and a line is the unit of redaction.
const maxStreamLine = 1 << 20

// Stream is a response whose body is read as it arrives (server-sent
// events). Status and Headers are redacted like Do's; Body redacts each
// line before handing it over.
type Stream struct {
	Status  int
	Headers map[string]string
	// Body must be closed; closing ends the request.
	Body io.ReadCloser
}

// Open sends req like Do, but returns as soon as the response headers are
// in: the body is read from the Stream as the server writes it. The same
// checks apply, and the same bounds: the guard's Timeout covers the whole
// stream, and MaxResponseBytes its whole body.
//
// Redaction works line by line. That is complete for the values the guard
// injects — header values hold no line break, nor do their encodings — but,
// as for Do, it is damage limitation and not a boundary.
func (s *Session) Open(ctx context.Context, req wire.HTTPRequest) (*Stream, error) {
	ctx, cancel := context.WithTimeout(ctx, s.g.cfg.Timeout)
	out, err := s.prepare(req)
	if err != nil {
		cancel()
		u, _ := url.Parse(req.URL)
		s.report(u, err)
		return nil, s.redactErr(err)
	}
	res, err := s.final(ctx, out)
	if err != nil {
		cancel()
		return nil, s.redactErr(err)
	}
	if res.ContentLength > s.g.cfg.MaxResponseBytes {
		drain(res)
		cancel()
		return nil, fmt.Errorf("%w: response body of %d bytes over %d", ErrTooLarge, res.ContentLength, s.g.cfg.MaxResponseBytes)
	}
	hdr := make(map[string]string, len(res.Header))
	for k, v := range res.Header {
		hdr[s.RedactString(k)] = s.RedactString(strings.Join(v, ", "))
	}
	body := &lineRedactor{s: s, src: res.Body, r: bufio.NewReaderSize(io.LimitReader(res.Body, s.g.cfg.MaxResponseBytes+1), 64<<10),
		left: s.g.cfg.MaxResponseBytes, cancel: cancel}
	return &Stream{Status: res.StatusCode, Headers: hdr, Body: body}, nil
}

// lineRedactor hands a body over line by line, each line redacted.
type lineRedactor struct {
	s      *Session
	src    io.Closer
	r      *bufio.Reader
	left   int64 // body bytes still allowed
	pend   []byte
	line   []byte
	err    error
	cancel context.CancelFunc
}

func (l *lineRedactor) Read(p []byte) (int, error) {
	for len(l.pend) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		l.fill()
	}
	n := copy(p, l.pend)
	l.pend = l.pend[n:]
	return n, nil
}

// fill reads the next line (or the last bytes before the end) into pend.
func (l *lineRedactor) fill() {
	chunk, err := l.r.ReadSlice('\n')
	l.line = append(l.line, chunk...)
	l.left -= int64(len(chunk))
	switch {
	case l.left < 0:
		l.line, l.err = nil, fmt.Errorf("%w: response body over the limit", ErrTooLarge)
		return
	case errors.Is(err, bufio.ErrBufferFull):
		if len(l.line) > maxStreamLine {
			l.line, l.err = nil, fmt.Errorf("%w: a streamed line over %d bytes", ErrTooLarge, maxStreamLine)
		}
		return // the line goes on
	case err != nil && !errors.Is(err, io.EOF):
		l.err = l.s.redactErr(fmt.Errorf("read response: %w", err))
	case err != nil:
		l.err = io.EOF
	}
	l.pend, l.line = l.s.Redact(l.line), nil
}

// Close ends the request.
func (l *lineRedactor) Close() error {
	err := l.src.Close()
	l.cancel()
	return err
}
