package samlocal

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestBodyQuotaIsAtMostTenMB: README: "A body over 10 MB is `413
// {"message":"Request Entity Too Large"}` on any path" (HTTP APIs' payload
// quota, MaxRequestBody). On make start-api's gateway a body of exactly the
// quota is read and routed (a path no route takes: API Gateway's 404); one
// byte more is the 413.
func TestBodyQuotaIsAtMostTenMB(t *testing.T) {
	s := &Stack{Template: &Template{}, router: &router{}, log: io.Discard}
	for _, tt := range []struct {
		n      int
		status int
	}{
		{MaxRequestBody, http.StatusNotFound},
		{MaxRequestBody + 1, http.StatusRequestEntityTooLarge},
	} {
		r := httptest.NewRequest("POST", "/nowhere", bytes.NewReader(make([]byte, tt.n)))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("a body of %d bytes: answer %d; want %d", tt.n, w.Code, tt.status)
		}
	}
}
