package pdk

import (
	"errors"
	"strings"
	"testing"
)

type msg struct {
	Message string `json:"message"`
}

func echoMsg(in msg) (msg, error) { return in, nil }

func TestHandle(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		fn      func(msg) (msg, error)
		want    string
		wantErr error
		errText string
	}{
		{name: "round trip", input: `{"message":"hi"}`, fn: echoMsg, want: `{"message":"hi"}`},
		{name: "html kept as is", input: `{"message":"a<b>&c"}`, fn: echoMsg, want: `{"message":"a<b>&c"}`},
		{name: "empty input is zero value", input: "", fn: echoMsg, want: `{"message":""}`},
		{name: "whitespace input is zero value", input: " \n", fn: echoMsg, want: `{"message":""}`},
		{name: "malformed input", input: `{"message":`, fn: echoMsg, errText: "decode input"},
		{name: "trailing data", input: `{} {}`, fn: echoMsg, errText: "decode input"},
		{name: "wrong type", input: `{"message":1}`, fn: echoMsg, errText: "decode input"},
		{
			name: "error from fn", input: `{}`, errText: "no way",
			fn: func(msg) (msg, error) { return msg{}, errors.New("no way") },
		},
		{
			name: "panic recovered", input: `{}`, wantErr: ErrPanic, errText: "kaboom",
			fn: func(msg) (msg, error) { panic("kaboom") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := handle([]byte(tt.input), tt.fn)
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.errText)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(out) != tt.want {
				t.Fatalf("handle = %s, %v; want %s", out, err, tt.want)
			}
		})
	}
}

func TestSecret(t *testing.T) {
	if got := Secret("token"); got != "{{secret:token}}" {
		t.Fatalf("Secret = %q", got)
	}
}

func TestEncodeHTTPRequest(t *testing.T) {
	tests := []struct {
		name    string
		req     *HTTPRequest
		want    string
		wantErr bool
	}{
		{name: "nil", req: nil, wantErr: true},
		{name: "no url", req: &HTTPRequest{Method: "GET"}, wantErr: true},
		{name: "method defaults to GET", req: &HTTPRequest{URL: "https://x.test"}, want: `{"method":"GET","url":"https://x.test"}`},
		{
			name: "body is base64",
			req:  &HTTPRequest{Method: "POST", URL: "https://x.test", Body: []byte("hi")},
			want: `{"method":"POST","url":"https://x.test","body":"aGk="}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeHTTPRequest(tt.req)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && string(b) != tt.want {
				t.Fatalf("encoded %s, want %s", b, tt.want)
			}
		})
	}
}

func TestDecodeHTTPResponse(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantStatus int
		wantErr    error
		errText    string
	}{
		{name: "ok", in: `{"status":200,"body":"aGk="}`, wantStatus: 200},
		{name: "error status is not an error", in: `{"status":503}`, wantStatus: 503},
		{name: "host refusal", in: `{"error":"host not declared"}`, wantErr: ErrHTTP, errText: "host not declared"},
		{name: "garbage", in: `nope`, errText: "decode http response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := decodeHTTPResponse([]byte(tt.in))
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) ||
					(tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("err = %v, want %v %q", err, tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil || resp.Status != tt.wantStatus {
				t.Fatalf("resp = %+v, %v", resp, err)
			}
		})
	}
}

func FuzzHandle(f *testing.F) {
	for _, s := range []string{"", `{"message":"hi"}`, `{"message":`, `[]`, `null`, `{"message":"\u00e9\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		out, err := handle(input, echoMsg)
		if err != nil {
			return
		}
		again, err := handle(out, echoMsg)
		if err != nil || string(again) != string(out) {
			t.Fatalf("output %q does not round-trip: %q, %v", out, again, err)
		}
	})
}

func FuzzDecodeHTTPResponse(f *testing.F) {
	for _, s := range []string{`{"status":200}`, `{"error":"x"}`, `{"body":"!!"}`, `{"headers":{"a":1}}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		resp, err := decodeHTTPResponse(in)
		if err == nil && resp.Error != "" {
			t.Fatalf("response with error %q returned without error", resp.Error)
		}
	})
}
