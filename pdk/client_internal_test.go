package pdk

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/secure-agent/saa/pdk/wire"
)

func TestClientRequestRoundTrip(t *testing.T) {
	b, err := encodeClientRequest(wire.OpLog, wire.ClientLog{Level: "info", Data: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	var req wire.ClientRequest
	if err := json.Unmarshal(b, &req); err != nil || req.Op != "log" || string(req.Params) != `{"level":"info","data":"hi"}` {
		t.Fatalf("request %s: %v", b, err)
	}
	if _, err := encodeClientRequest(wire.OpSample, func() {}); err == nil {
		t.Fatal("unencodable params were accepted")
	}
	if res, err := decodeClientResponse("sample", []byte(`{"result":{"x":1}}`)); err != nil || string(res) != `{"x":1}` {
		t.Fatalf("result %s: %v", res, err)
	}
	if _, err := decodeClientResponse("elicit", []byte(`{"error":"no client"}`)); !errors.Is(err, ErrClient) {
		t.Fatalf("error answer: %v, want ErrClient", err)
	}
}

func FuzzDecodeClientResponse(f *testing.F) {
	for _, s := range []string{`{"result":{}}`, `{"error":"x"}`, `{"result":1,"error":""}`, `[]`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		_, err := decodeClientResponse("op", in)
		var resp wire.ClientResponse
		if json.Unmarshal(in, &resp) == nil && resp.Error != "" && !errors.Is(err, ErrClient) {
			t.Fatalf("answer with error %q returned %v", resp.Error, err)
		}
	})
}
