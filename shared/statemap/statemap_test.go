package statemap

import (
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestEveryStatusInEveryDialect walks each canonical status through each
// dialect and fails on a missing entry.
func TestEveryStatusInEveryDialect(t *testing.T) {
	allowed := struct{ v1, ps, pss, co, sr map[string]bool }{
		v1:  set("Initial", "InProgress", "Finished", "Error"),
		ps:  set("Pending", "Processing", "Sent", "RequestReceived", "RedirectRequired", "Authorised", "Settled", "Failed", "CancelRequested", "Cancelled"),
		pss: set("PENDING", "REQUIRES_ACTION", "COMPLETED", "FAILED"),
		co:  set("INITIATED", "COMPLETED", "FAILED", "CANCELED"),
		sr:  set("CREATED", "IN_PROGRESS", "COMPLETED", "ERROR", "EXPIRED", "CANCELED", "FRAUD_CANCELLATION_REQUESTED", "OTP_PENDING"),
	}
	for _, s := range session.Statuses {
		w, ok := Of(s)
		if !ok {
			t.Errorf("%s: no entry in the table", s)
			continue
		}
		for _, c := range []struct {
			dialect, word string
			vocabulary    map[string]bool
		}{
			{"000", V1Session(s), allowed.v1},
			{"001", PaymentStatus(s), allowed.ps},
			{"002", PaymentSession(s), allowed.pss},
			{"004", SessionRecord(s), allowed.sr},
		} {
			if !c.vocabulary[c.word] {
				t.Errorf("%s in %s = %q; want a word of that document", s, c.dialect, c.word)
			}
		}
		word, err := Checkout(s)
		switch s {
		case session.Expired:
			if session.ErrorCode(err) != session.EUNAUTHORIZED || session.ErrorReason(err) != session.ReasonSessionExpired {
				t.Errorf("Checkout(EXPIRED) = %q, %v; want 401 SESSION_EXPIRED", word, err)
			}
		case session.Canceled:
			if session.ErrorCode(err) != session.EGONE {
				t.Errorf("Checkout(CANCELED) = %q, %v; want 410", word, err)
			}
			if w.Checkout != "CANCELED" {
				t.Errorf("003 word for CANCELED = %q; want CANCELED", w.Checkout)
			}
		default:
			if err != nil || !allowed.co[word] {
				t.Errorf("Checkout(%s) = %q, %v; want a 003 word", s, word, err)
			}
		}
		if c := CheckoutChild(s); c == "" {
			t.Errorf("CheckoutChild(%s) is empty", s)
		}
	}
	if len(table) != len(session.Statuses) {
		t.Errorf("table has %d entries; want %d", len(table), len(session.Statuses))
	}
}

// TestDesignTable pins DESIGN.md §5 row by row.
func TestDesignTable(t *testing.T) {
	want := map[session.Status]Words{
		session.Created:                    {"Initial", "Pending", "PENDING", "INITIATED", "CREATED"},
		session.Processing:                 {"InProgress", "Processing", "PENDING", "INITIATED", "IN_PROGRESS"},
		session.Sent:                       {"InProgress", "Sent", "PENDING", "INITIATED", "IN_PROGRESS"},
		session.RequestReceived:            {"InProgress", "RequestReceived", "PENDING", "INITIATED", "IN_PROGRESS"},
		session.RequiresAction:             {"InProgress", "RedirectRequired", "REQUIRES_ACTION", "INITIATED", "IN_PROGRESS"},
		session.OTPPending:                 {"InProgress", "RedirectRequired", "REQUIRES_ACTION", "INITIATED", "OTP_PENDING"},
		session.Authorised:                 {"Finished", "Authorised", "COMPLETED", "COMPLETED", "COMPLETED"},
		session.Settled:                    {"Finished", "Settled", "COMPLETED", "COMPLETED", "COMPLETED"},
		session.Failed:                     {"Error", "Failed", "FAILED", "FAILED", "ERROR"},
		session.CancelRequested:            {"Finished", "CancelRequested", "COMPLETED", "COMPLETED", "COMPLETED"},
		session.Canceled:                   {"Finished", "Cancelled", "FAILED", "CANCELED", "CANCELED"},
		session.Expired:                    {"Error", "Failed", "FAILED", "", "EXPIRED"},
		session.FraudCancellationRequested: {"Finished", "CancelRequested", "COMPLETED", "COMPLETED", "FRAUD_CANCELLATION_REQUESTED"},
	}
	for s, w := range want {
		if got, _ := Of(s); got != w {
			t.Errorf("Of(%s) = %+v; want %+v", s, got, w)
		}
	}
}

func set(words ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		m[w] = true
	}
	return m
}
