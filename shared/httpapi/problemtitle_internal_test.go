package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestProblemTitleIsTheStatusText: a problem document's title is the
// status's own text, as every example of README's "Errors" shows
// ("title":"Unauthorized","status":401; "title":"Bad Request","status":400;
// "title":"Unsupported Media Type","status":415; "title":"Gone",...), for
// every code StatusOf maps. Tests read the code and the status, never the
// title, so a title of the wrong status passed every test (r93-mutate:
// mutant H17, every title "Internal Server Error").
func TestProblemTitleIsTheStatusText(t *testing.T) {
	for _, c := range []session.Code{session.EINVALID, session.EUNAUTHORIZED, session.EFORBIDDEN, session.ENOTFOUND,
		session.ECONFLICT, session.EGONE, session.ETOOLARGE, session.EUNSUPPORTED, session.EMETHOD,
		session.EUNAVAILABLE, session.EINTERNAL} {
		rec := httptest.NewRecorder()
		writeProblem(rec, httptest.NewRequest(http.MethodGet, "/x", nil), &session.Error{Code: c, Reason: "R", Message: "m"})
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if p.Status != rec.Code || p.Title != http.StatusText(rec.Code) {
			t.Errorf("%s: answered %d with status %d, title %q; want title %q", c, rec.Code, p.Status, p.Title, http.StatusText(rec.Code))
		}
	}
}
