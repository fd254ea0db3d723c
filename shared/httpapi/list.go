package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/dialect"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// List paging limits of document 004.
const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// SessionRecords handles GET /pps/api/v1/session-record?createdDate=… (document
// 004): the caller's sessions created that UTC day, oldest first, limit per
// page (default 100, 1..1000), the next page's URL in a Link header.
func SessionRecords(st *store.Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsRead, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		if len(q["createdDate"]) != 1 {
			return session.Invalid("createdDate", "createdDate is required once, as yyyy-MM-dd.")
		}
		raw := q.Get("createdDate")
		day, err := time.Parse(time.DateOnly, raw)
		if err != nil || day.Format(time.DateOnly) != raw {
			return session.Invalid("createdDate", "createdDate must be a date as yyyy-MM-dd.")
		}
		limit := defaultListLimit
		if vals, ok := q["limit"]; ok {
			n, err := strconv.Atoi(vals[0])
			if len(vals) != 1 || err != nil || n < 1 || n > maxListLimit || strconv.Itoa(n) != vals[0] {
				return session.Invalid("limit", "limit must be an integer from 1 to %d.", maxListLimit)
			}
			limit = n
		}
		cursor := ""
		if vals, ok := q["cursor"]; ok {
			if len(vals) != 1 || vals[0] == "" {
				return session.Invalid("cursor", "cursor must be the value from the previous page's Link header.")
			}
			cursor = vals[0]
		}
		page, err := st.ListByDay(r.Context(), p.MerchantID, day, limit, cursor)
		if err != nil {
			return err
		}
		if page.Next != "" {
			next := "/pps/api/v1/session-record?createdDate=" + raw + "&limit=" + strconv.Itoa(limit) + "&cursor=" + page.Next
			w.Header().Set("Link", "<"+next+`>; rel="next"`)
		}
		writeJSON(w, http.StatusOK, contentTypeJSON, dialect.SessionRecords(page.Sessions))
		return nil
	}, writeProblem)
}
