package apitarget

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestDiff: what differs between two runs by nature is not a difference;
// anything else is, each reported with where.
func TestDiff(t *testing.T) {
	base := func() (int, http.Header, string) {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("Location", "/sessions/0b9f1f2e-8d4c-4a43-9a57-5f0f3c1c9e11")
		h.Set("X-Request-Id", "0b9f1f2e-8d4c-4a43-9a57-5f0f3c1c9e11")
		h.Set("Date", "Sun, 29 Nov 2026 23:36:34 GMT")
		return 201, h, `{"id":"0b9f1f2e-8d4c-4a43-9a57-5f0f3c1c9e11","createdAt":"2026-11-29T23:36:34.12Z","amount":100,"key":"psk_0123456789abcdef_aa","hcpToken":"abc-_DEF","requestId":"0b9f1f2e-8d4c-4a43-9a57-5f0f3c1c9e11","list":[1,2]}`
	}
	same := func(status int, h http.Header, body string) (int, http.Header, string) {
		h.Set("Location", "/sessions/7A4C2B8E-3D4A-4E5F-9A7B-0C1D2E3F4A5B")
		h.Set("X-Request-Id", "M40mOUVQ5Qb6rA==")
		h.Set("Apigw-Requestid", "M40mOUVQ5Qb6rA==")
		h.Set("Date", "Sun, 29 Nov 2026 23:36:35 GMT")
		body = strings.NewReplacer("0b9f1f2e-8d4c-4a43-9a57-5f0f3c1c9e11", "7a4c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b",
			"34.12Z", "35.1Z", "0123456789abcdef", "fedcba9876543210", "abc-_DEF", "XYZ_-123").Replace(body)
		body = strings.Replace(body, `"requestId":"7a4c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"`, `"requestId":"M40mOUVQ5Qb6rA=="`, 1)
		return status, h, body
	}
	tests := []struct {
		name   string
		change func(int, http.Header, string) (int, http.Header, string)
		want   string // a part of the one difference; "" for none
	}{
		{"ids, times, request ids, random values", same, ""},
		{"status", func(s int, h http.Header, b string) (int, http.Header, string) { return 200, h, b }, "status 201; 200"},
		{"a header's value", func(s int, h http.Header, b string) (int, http.Header, string) {
			h.Set("Cache-Control", "max-age=60")
			return s, h, b
		}, "header Cache-Control"},
		{"a header only one has", func(s int, h http.Header, b string) (int, http.Header, string) {
			h.Set("Vary", "Accept-Encoding")
			return s, h, b
		}, "header Vary"},
		{"a member's value", func(s int, h http.Header, b string) (int, http.Header, string) {
			return s, h, strings.Replace(b, `"amount":100`, `"amount":101`, 1)
		}, "$.amount: 100; 101"},
		{"a member only one has", func(s int, h http.Header, b string) (int, http.Header, string) {
			return s, h, strings.Replace(b, `"amount":100,`, ``, 1)
		}, "$.amount"},
		// A member null in one answer and absent from the other differs:
		// a client reading the JSON tells them apart. With the presence
		// check weakened to "absent from both", this passed as equal.
		{"a member null in one, absent from the other", func(s int, h http.Header, b string) (int, http.Header, string) {
			return s, h, strings.Replace(b, `"amount":100,`, `"amount":100,"reason":null,`, 1)
		}, "$.reason"},
		{"an array's length", func(s int, h http.Header, b string) (int, http.Header, string) {
			return s, h, strings.Replace(b, `[1,2]`, `[1]`, 1)
		}, "$.list: 2 elements"},
		{"a random value of another form", func(s int, h http.Header, b string) (int, http.Header, string) {
			return s, h, strings.Replace(b, `"XYZ_-123"`, `"XYZ_-123="`, 1)
		}, "$.hcpToken"},
		{"a time in another format", func(s int, h http.Header, b string) (int, http.Header, string) {
			return s, h, strings.Replace(b, `35.1Z`, `35.1+00:00`, 1)
		}, "$.createdAt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDiff("hcpToken")
			s, h, b := base()
			d.Add(Local, "create", s, h, []byte(b))
			s, h, b = tt.change(same(base()))
			d.Add(StartAPI, "create", s, h, []byte(b))
			n, diffs := d.Differences()
			if n != 1 {
				t.Errorf("compared %d; want 1", n)
			}
			switch {
			case tt.want == "" && len(diffs) > 0:
				t.Errorf("differences = %q; want none", diffs)
			case tt.want != "" && (len(diffs) != 1 || !strings.Contains(diffs[0], tt.want)):
				t.Errorf("differences = %q; want one naming %q", diffs, tt.want)
			}
		})
	}

	// An exchange only one kind was asked is a difference; the second of
	// two of the same name is compared with the other's second.
	d := NewDiff()
	h := http.Header{}
	d.Add(Local, "get", 200, h, []byte(`{"n":1}`))
	d.Add(Local, "get", 200, h, []byte(`{"n":2}`))
	d.Add(StartAPI, "get", 200, h, []byte(`{"n":1}`))
	d.Add(StartAPI, "get", 200, h, []byte(`{"n":2}`))
	d.Add(StartAPI, "list", 200, h, []byte(`[]`))
	if n, diffs := d.Differences(); n != 2 || len(diffs) != 1 || !strings.Contains(diffs[0], "list: answered by start-api only") {
		t.Errorf("Differences() = %d, %q; want 2 compared and list answered by start-api only", n, diffs)
	}
	// Nothing to compare when a kind did not run.
	d = NewDiff()
	d.Add(Local, "get", 200, h, nil)
	if n, diffs := d.Differences(); n != 0 || diffs != nil {
		t.Errorf("Differences() with one kind = %d, %q; want 0, none", n, diffs)
	}
}

// TestDiffAddsAtOnce: a suite adds answers from both kinds at once
// (cmd/localapi's runKindsAtOnce) and from many exchanges at once; Diff
// takes every one, a name added again numbered as it comes.
func TestDiffAddsAtOnce(t *testing.T) {
	d := NewDiff()
	var wg sync.WaitGroup
	for _, k := range Kinds {
		for i := range 8 {
			wg.Go(func() { d.Add(k, fmt.Sprintf("get %d", i%4), 200, http.Header{}, []byte(`{}`)) })
		}
	}
	wg.Wait()
	if n, diffs := d.Differences(); n != 8 || len(diffs) != 0 {
		t.Errorf("Differences() = %d, %q; want 8 compared and none", n, diffs)
	}
}
