package statemap

import (
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestEveryStatusInEveryDialect walks each canonical status through each
// dialect: a word of that document's vocabulary, for every status.
func TestEveryStatusInEveryDialect(t *testing.T) {
	allowed := struct{ v1, ps, pss, co, sr map[string]bool }{
		// 000: "current state of the session: Initial … InProgress … Finished … Error".
		v1: set("Initial", "InProgress", "Finished", "Error"),
		// 001: "You can expect one of the following status values in the status property".
		ps: set("Pending", "Processing", "Sent", "RequestReceived", "RedirectRequired", "Authorised", "Settled", "Failed", "CancelRequested", "Cancelled"),
		// 002: "Available options: PENDING, REQUIRES_ACTION, COMPLETED, FAILED".
		pss: set("PENDING", "REQUIRES_ACTION", "COMPLETED", "FAILED"),
		// 003: "checkoutSessionStatus": "INITIATED|COMPLETED|FAILED|CANCELED".
		co: set("INITIATED", "COMPLETED", "FAILED", "CANCELED"),
		// 004: "The current status of the record. * CREATED … * OTP_PENDING".
		sr: set("CREATED", "IN_PROGRESS", "COMPLETED", "ERROR", "EXPIRED", "CANCELED", "FRAUD_CANCELLATION_REQUESTED", "OTP_PENDING"),
	}
	for _, s := range session.Statuses {
		w, ok := Of(s)
		if !ok {
			t.Errorf("%s: no entry in the table", s)
			continue
		}
		child, _ := CheckoutChild(s)
		for _, c := range []struct {
			dialect, word string
			vocabulary    map[string]bool
		}{
			{"000", V1Session(s), allowed.v1},
			{"001", PaymentStatus(s), allowed.ps},
			{"002", PaymentSession(s), allowed.pss},
			{"003 child", child, allowed.co},
			{"004", SessionRecord(s), allowed.sr},
		} {
			if !c.vocabulary[c.word] {
				t.Errorf("%s in %s = %q; want a word of that document", s, c.dialect, c.word)
			}
		}
		word, err := Checkout(s)
		switch {
		case s == session.Expired:
			if session.ErrorCode(err) != session.EUNAUTHORIZED || session.ErrorReason(err) != session.ReasonSessionExpired {
				t.Errorf("Checkout(EXPIRED) = %q, %v; want 401 SESSION_EXPIRED", word, err)
			}
		case w.Checkout == "CANCELED":
			if session.ErrorCode(err) != session.EGONE || session.ErrorReason(err) != session.ReasonSessionCanceled {
				t.Errorf("Checkout(%s) = %q, %v; want 410 SESSION_CANCELED", s, word, err)
			}
		default:
			if err != nil || word != w.Checkout || word == "CANCELED" {
				t.Errorf("Checkout(%s) = %q, %v; want %q", s, word, err, w.Checkout)
			}
		}
	}
	if len(table) != len(session.Statuses) {
		t.Errorf("table has %d entries; want %d", len(table), len(session.Statuses))
	}
}

// TestDesignTable pins docs/design.md §5 row by row.
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
		session.CancelRequested:            {"Finished", "CancelRequested", "FAILED", "CANCELED", "CANCELED"},
		session.Canceled:                   {"Finished", "Cancelled", "FAILED", "CANCELED", "CANCELED"},
		session.Expired:                    {"Error", "Failed", "FAILED", "INITIATED", "EXPIRED"},
		session.FraudCancellationRequested: {"Finished", "CancelRequested", "COMPLETED", "COMPLETED", "FRAUD_CANCELLATION_REQUESTED"},
	}
	for s, w := range want {
		if got, _ := Of(s); got != w {
			t.Errorf("Of(%s) = %+v; want %+v", s, got, w)
		}
	}
}

// TestMoneyThatWillNotMoveNeverReadsAsSuccess: the rule under the table. A
// canceled, cancel-requested, failed or expired session never shows a
// success word in a dialect that has a word for failure or cancellation.
// 004: "COMPLETED - the transaction has been successfully completed";
// "CANCELED - the buyer clicked on the cancel button".
func TestMoneyThatWillNotMoveNeverReadsAsSuccess(t *testing.T) {
	success := set("Authorised", "Settled", "COMPLETED")
	for _, s := range []session.Status{session.CancelRequested, session.Canceled, session.Failed, session.Expired} {
		w, _ := Of(s)
		child, _ := CheckoutChild(s)
		for dialect, word := range map[string]string{"001": w.PaymentStatus, "002": w.PaymentSession, "003 child": child, "004": w.SessionRecord} {
			if success[word] {
				t.Errorf("%s reads %q in %s; a payment that will not move must not read as success", s, word, dialect)
			}
		}
		if word, err := Checkout(s); err == nil && success[word] {
			t.Errorf("Checkout(%s) = %q; a payment that will not move must not read as success", s, word)
		}
	}
}

// TestCheckoutChildExpired: 003's "EXPIRED | Session has exceeded its time
// limit (represented as INITIATED with isExpired() = true)".
func TestCheckoutChildExpired(t *testing.T) {
	for _, s := range session.Statuses {
		word, expired := CheckoutChild(s)
		if expired != (s == session.Expired) {
			t.Errorf("CheckoutChild(%s) expired = %v; want %v", s, expired, s == session.Expired)
		}
		if s == session.Expired && word != "INITIATED" {
			t.Errorf("CheckoutChild(EXPIRED) = %q; want INITIATED", word)
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
