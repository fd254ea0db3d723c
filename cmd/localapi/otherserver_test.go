package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/doctext"
)

// TestWrongEndpointWordsAreTheReadmes: README's Troubleshooting tells a
// user what the SDK's part of make run's create-table error says for each
// kind of DYNAMODB_ENDPOINT that is no DynamoDB: nothing listening, and
// another server. Another server's answer reads as the SDK reads it: a JSON
// body as an error of an unknown code, any other body (an HTML or plain
// text page, what most servers answer) as a body it cannot decode. Before,
// the README named only the first ("another server there reads as `api
// error UnknownError`"), which a web server on the port never prints.
// A server that answers JSON with 200 (an echo or mock server) gave the SDK
// a CreateTable "success" without a table, and make run waited a minute
// for the table before it failed with other words than the README's.
func TestWrongEndpointWordsAreTheReadmes(t *testing.T) {
	answeringWith := func(status int, contentType, body string) func(t *testing.T) string {
		return func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", contentType)
				w.WriteHeader(status)
				io.WriteString(w, body)
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		}
	}
	answering := func(contentType, body string) func(t *testing.T) string {
		return answeringWith(http.StatusNotFound, contentType, body)
	}
	tests := []struct {
		name     string
		endpoint func(t *testing.T) string
		words    string // the SDK's words in what make run prints, quoted by the README
	}{
		{"nothing listens", func(t *testing.T) string { return "http://127.0.0.1:" + freePort(t) }, "connect: connection refused"},
		{"a server answering JSON", answering("application/json", `{"message":"Not Found"}`), "api error UnknownError"},
		{"a server answering JSON with 200", answeringWith(http.StatusOK, "application/json", `{"message":"ok"}`), "no TableDescription"},
		{"a server answering HTML", answering("text/html", "<html><body>Not Found</body></html>"), "deserialization failed"},
		{"a server answering plain text", answering("text/plain; charset=utf-8", "404 page not found\n"), "deserialization failed"},
	}
	text := doctext.Section(t, "Troubleshooting")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"DYNAMODB_ENDPOINT": tt.endpoint(t)}
			err := run(context.Background(), func(k string) string { return vars[k] }, listener(t), io.Discard, io.Discard, nil)
			if err == nil {
				t.Fatalf("run() with DYNAMODB_ENDPOINT=%s = nil; want the create-table error", vars["DYNAMODB_ENDPOINT"])
			}
			if got := err.Error(); !strings.Contains(got, tt.words) {
				t.Errorf("make run prints %q; want it to hold %q", got, tt.words)
			}
			if want := "`" + tt.words + "`"; !strings.Contains(text, want) {
				t.Errorf("README's Troubleshooting names %s: got false; want true", want)
			}
		})
	}
}
