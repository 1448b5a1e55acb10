//go:build wasip1

package pdk

import "fmt"

// HTTP asks the host to send req and returns the response, whatever its
// status. It fails, wrapping ErrHTTP, when the host refuses or cannot complete
// the request. Redirects, size and time limits are the host's.
//
// Memory: the plugin owns both blocks of saa_http_request and frees them; the
// host neither frees the request block nor keeps the response block.
func HTTP(req *HTTPRequest) (*HTTPResponse, error) {
	b, err := encodeHTTPRequest(req)
	if err != nil {
		return nil, err
	}
	in := allocBytes(b)
	offset := saaHTTPRequest(in.offset)
	in.free()
	if offset == 0 {
		return nil, fmt.Errorf("%w: host returned no response", ErrHTTP)
	}
	out := readBlock(offset)
	block{offset: offset}.free()
	resp, err := decodeHTTPResponse(out)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method(req), req.URL, err)
	}
	return resp, nil
}

func method(req *HTTPRequest) string {
	if req.Method == "" {
		return "GET"
	}
	return req.Method
}
