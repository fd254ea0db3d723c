package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestSkewedWritersTakeNoMoneyUnderAGoneParent: README (Child sessions): a
// child kept beyond its parent "takes no money once the parent is gone: its
// declined cancellation and its SETTLED are 409 PARENT_CLOSED", and
// (Lifecycle, Guard band) "Lambda instances' clocks differ; so a write
// judges the session as it will be WRITE_GUARD from now". The family rule
// judges the parent gone at the clock plus WRITE_GUARD, so an instance
// whose clock runs behind another's by less than the band never lets a
// child take money under a parent the other has already read as 404; and,
// outside the band, the clock behind writes as usual.
func TestSkewedWritersTakeNoMoneyUnderAGoneParent(t *testing.T) {
	ctx := context.Background()
	const skew = 2 * time.Second
	// family makes a parent SETTLED by its own processor after showing its
	// child's AUTHORISED, and the child kept beyond it by its merchant's
	// later cancel request (CANCEL_REQUESTED); it returns the parent's
	// retainUntil.
	family := func(t *testing.T, f *fixture) (child string, parentEnd time.Time) {
		t.Helper()
		parent := f.create(t, "m-1")
		c := f.newDraftSession("m-1", parent.ID)
		if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Second)
		for _, step := range []func() error{
			func() error { return event(session.Authorised)(f, c.ID) },
			func() error { return event(session.Settled)(f, parent.ID) },
			func() error { _, err := f.st.Cancel(ctx, "m-1", c.ID, ""); return err },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(5 * time.Minute)
		}
		return c.ID, f.mustGet(t, parent.ID).RetainUntil
	}
	tests := []struct {
		name string
		// offset of the writer's clock from the reader's, and the
		// reader's instant relative to the parent's retainUntil.
		writer, at time.Duration
		want       session.Code
	}{
		{"writer behind, parent read 404 just now", -skew, 500 * time.Millisecond, session.ECONFLICT},
		{"writer behind, parent past its end by the skew", -skew, skew, session.ECONFLICT},
		{"writer ahead read 404, writer on time", 0, 500*time.Millisecond - skew, session.ECONFLICT},
		{"writer behind, before the band", -skew, -session.DefaultWriteGuard - time.Second - skew, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			child, end := family(t, f)
			f.clock.Set(end.Add(tc.at))
			writer := store.New(f.db, f.table, session.DefaultPolicy, 16, func() time.Time { return f.clock.Now().Add(tc.writer) })
			if tc.want != "" {
				// Some instance has read the parent as gone: one on the
				// fixture's clock, or one ahead of it by the skew.
				reader := store.New(f.db, f.table, session.DefaultPolicy, 16, func() time.Time { return f.clock.Now().Add(tc.writer + skew) })
				if got := poll(t, reader, child); got.status != session.CancelRequested {
					t.Fatalf("child before the write = %s; want %s", got, session.CancelRequested)
				}
				parent := f.mustGet(t, child).ParentSessionID
				if _, err := reader.Get(ctx, parent); session.ErrorCode(err) != session.ENOTFOUND {
					t.Fatalf("parent read by the instance ahead = %v; want %s", err, session.ENOTFOUND)
				}
			}
			_, err := writer.ApplyEvent(ctx, "", child, &session.Event{Status: session.Authorised})
			if got := session.ErrorCode(err); got != tc.want {
				t.Fatalf("declined cancellation from a clock %s off = %v; want code %q", tc.writer, err, tc.want)
			}
			if tc.want != "" && session.ErrorReason(err) != session.ReasonParentClosed {
				t.Errorf("refusal = %v; want %s", err, session.ReasonParentClosed)
			}
			want := session.Authorised
			if tc.want != "" {
				want = session.CancelRequested
			}
			if got := f.mustGet(t, child).Status; got != want {
				t.Errorf("child after the write = %s; want %s", got, want)
			}
		})
	}
}
