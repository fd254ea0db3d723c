package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
)

// TestListLinkOnlyWhenMoreExist: "the next page's URL is in `Link: <…>;
// rel="next"` (absent on the last page, and never sent without `limit`)"
// (README). A session closed early and past its retention is gone for
// every reader, though its index entry stays in the list's window until
// expiresAt + retention: a page whose only followers are such sessions is
// the last page, and a client must not be sent on to an empty one. Behind
// the gone sessions, a live one still gets its Link and its page.
func TestListLinkOnlyWhenMoreExist(t *testing.T) {
	t.Logf("document 004: %q", doc004List)
	eachStore(t, func(t *testing.T, h *harness) {
		const path = "/pps/api/v1/session-record?createdDate=2026-11-23"
		tok := h.token("m-1", auth.ScopeSessionsRead)
		newSession := func() string {
			h.clock.Advance(time.Millisecond)
			return h.create("m-1", nil)
		}
		gone := func(n int) {
			for range n {
				id := newSession()
				h.cancel("m-1", id)
			}
		}
		first := newSession()
		gone(1)
		h.clock.Advance(16 * time.Minute) // the canceled are past their retention; first is open
		for _, limit := range []string{"1", "5"} {
			ids, res, body := listAll(t, h, path+"&limit="+limit, tok)
			if res.Code != http.StatusOK || !slices.Equal(ids, []string{first}) || res.Header().Get("Link") != "" {
				t.Errorf("limit=%s, one gone session after the page: %d %s Link %q; want [%s] and no Link", limit, res.Code, body, res.Header().Get("Link"), first)
			}
		}

		// Many gone sessions after the page, then one that is not.
		h.clock.Set(t0.Add(time.Minute))
		gone(30)
		h.clock.Advance(16 * time.Minute)
		if ids, res, body := listAll(t, h, path+"&limit=1", tok); res.Code != http.StatusOK || !slices.Equal(ids, []string{first}) || res.Header().Get("Link") != "" {
			t.Errorf("limit=1, 31 gone sessions after the page: %d %s Link %q; want [%s] and no Link", res.Code, body, res.Header().Get("Link"), first)
		}
		h.clock.Set(t0.Add(18 * time.Minute))
		last := newSession()
		res := h.do("GET", path+"&limit=1", tok, nil)
		link := res.Header().Get("Link")
		if res.Code != http.StatusOK || link == "" {
			t.Fatalf("limit=1, a live session behind 31 gone ones: %d Link %q; want a Link", res.Code, link)
		}
		next := strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		ids, res2, body := listAll(t, h, next, tok)
		if res2.Code != http.StatusOK || !slices.Equal(ids, []string{last}) || res2.Header().Get("Link") != "" {
			t.Errorf("GET %s = %d %s Link %q; want [%s] and no Link", next, res2.Code, body, res2.Header().Get("Link"), last)
		}
	})
}
