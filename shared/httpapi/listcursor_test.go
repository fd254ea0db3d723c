package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestListCursorResumesWhateverTheLimit holds README's paging rules on
// both stores: "`cursor` without `limit` lists the rest of the day", and a
// cursor followed with another limit resumes where its page ended, so no
// session is dropped or listed twice; "The `cursor` is opaque; it is
// refused (400, `field`: `cursor`) on another merchant's list, another
// day's, or when altered in its encoding" — cut short, padded, or a
// megabyte long — never taken as the start of the day.
func TestListCursorResumesWhateverTheLimit(t *testing.T) {
	eachStore(t, testListCursorResumesWhateverTheLimit)
}

func testListCursorResumesWhateverTheLimit(t *testing.T, h *harness) {
	tok := h.token("m-1", auth.ScopeSessionsRead)
	for range 5 {
		h.create("m-1", nil)
	}
	const path = "/pps/api/v1/session-record?createdDate=2026-11-23"
	all, res, _ := listAll(t, h, path, tok)
	if res.Code != http.StatusOK || len(all) != 5 {
		t.Fatalf("whole day = %d, %d records; want 200 and 5", res.Code, len(all))
	}
	for first := 1; first <= 4; first++ {
		ids, res, _ := listAll(t, h, path+"&limit="+strconv.Itoa(first), tok)
		cur := nextCursor(t, res)
		// The rest without limit: one answer, no Link.
		rest, res, _ := listAll(t, h, path+"&cursor="+cur, tok)
		if res.Code != http.StatusOK || res.Header().Get("Link") != "" || !slices.Equal(append(slices.Clone(ids), rest...), all) {
			t.Errorf("limit=%d, then the cursor without limit: %d, %v + %v, Link %q; want 200, %v, no Link", first, res.Code, ids, rest, res.Header().Get("Link"), all)
		}
		// The rest in pages of another size.
		got, next := slices.Clone(ids), path+"&limit=3&cursor="+cur
		for pages := 0; next != "" && pages < 10; pages++ {
			ids, res, _ := listAll(t, h, next, tok)
			if res.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", next, res.Code)
			}
			got = append(got, ids...)
			next = strings.TrimSuffix(strings.TrimPrefix(res.Header().Get("Link"), "<"), `>; rel="next"`)
		}
		if !slices.Equal(got, all) {
			t.Errorf("limit=%d, then pages of 3: %v; want %v", first, got, all)
		}
	}
	_, res, _ = listAll(t, h, path+"&limit=2", tok)
	cur := nextCursor(t, res)
	for _, tt := range []struct{ name, path, token string }{
		{"another merchant's list", path + "&limit=2&cursor=" + cur, h.token("m-2", auth.ScopeSessionsRead)},
		{"another day's list", "/pps/api/v1/session-record?createdDate=2026-11-22&cursor=" + cur, tok},
		{"cut short", path + "&cursor=" + cur[:len(cur)-1], tok},
		{"cut to half", path + "&cursor=" + cur[:len(cur)/2], tok},
		{"padded", path + "&cursor=" + cur + "%3D", tok},
		{"twice over", path + "&cursor=" + cur + cur, tok},
		{"a megabyte long", path + "&cursor=" + strings.Repeat("A", 1<<20), tok},
	} {
		res := h.do("GET", tt.path, tt.token, nil)
		if res.Code != http.StatusBadRequest {
			t.Errorf("a cursor %s = %d; want 400 naming cursor", tt.name, res.Code)
			continue
		}
		if p := wantProblem(t, res, http.StatusBadRequest, session.ReasonValidation); p["field"] != "cursor" {
			t.Errorf("a cursor %s: field %v; want cursor", tt.name, p["field"])
		}
	}
}

// nextCursor is the cursor in res's Link (a test failure without one).
func nextCursor(t testing.TB, res response) string {
	t.Helper()
	u, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(res.Header().Get("Link"), "<"), `>; rel="next"`))
	if err != nil || u.Query().Get("cursor") == "" {
		t.Fatalf("Link %q; want one with a cursor", res.Header().Get("Link"))
	}
	return u.Query().Get("cursor")
}
