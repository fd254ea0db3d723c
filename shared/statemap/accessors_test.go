package statemap

import (
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestAccessorsReadTheTable: the dialects read a status through
// V1Session, PaymentStatus, PaymentSession and SessionRecord, not Of, so
// each must answer the table's own cell (docs/design.md §5) for every
// status; and Of says false for a word that is no canonical status.
func TestAccessorsReadTheTable(t *testing.T) {
	for _, s := range session.Statuses {
		w, _ := Of(s)
		got := Words{V1Session(s), PaymentStatus(s), PaymentSession(s), w.Checkout, SessionRecord(s)}
		if got != w {
			t.Errorf("%s: accessors answer %+v; the table says %+v", s, got, w)
		}
	}
	if w, ok := Of(session.Status("NOT_A_STATUS")); ok || w != (Words{}) {
		t.Errorf("Of(NOT_A_STATUS) = %+v, %v; want no words, false", w, ok)
	}
}
