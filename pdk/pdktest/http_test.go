package pdktest

import (
	"testing"

	"github.com/secure-agent/saa/pdk/wire"
)

func TestSubstitute(t *testing.T) {
	secrets := map[string]string{"token": "Bearer s3cr3t"}
	tests := []struct {
		name    string
		req     wire.HTTPRequest
		want    string
		wantErr bool
	}{
		{name: "whole value", req: req("{{secret:token}}"), want: "Bearer s3cr3t"},
		{name: "no reference", req: req("plain"), want: "plain"},
		{name: "undeclared secret", req: req("{{secret:other}}"), wantErr: true},
		{name: "part of a value", req: req("Bearer {{secret:token}}"), wantErr: true},
		{name: "two references", req: req("{{secret:token}}{{secret:token}}"), wantErr: true},
		{name: "in url", req: wire.HTTPRequest{URL: "https://x.test/{{secret:token}}"}, wantErr: true},
		{name: "in body", req: wire.HTTPRequest{URL: "https://x.test", Body: []byte("{{secret:token}}")}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := substitute(&tt.req, secrets)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && tt.req.Headers["Authorization"] != tt.want {
				t.Fatalf("Authorization = %q, want %q", tt.req.Headers["Authorization"], tt.want)
			}
		})
	}
}

func req(auth string) wire.HTTPRequest {
	return wire.HTTPRequest{URL: "https://x.test", Headers: map[string]string{"Authorization": auth}}
}
