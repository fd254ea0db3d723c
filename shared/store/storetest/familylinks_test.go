package storetest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestMemoryJudgesFamilyLinksAsTheStore: README, Security, "a parent's
// `childSessionId` naming a session that is not its child (another
// merchant's, or one that names another parent or none …): now the
// cancel, an event and the read are 500, nothing written", and "a child's
// `parentSessionId` naming another merchant's session". store.Store
// refuses such links (TestForeignChildLinkIsRefused,
// TestForeignParentOfAnotherMerchantIsRefused); storetest.Memory, which
// the handler tests run on, followed them: a merchant's cancel of its own
// session canceled another merchant's, 200, and document 003's read
// showed that session as the child (r110-mutate). Families planted alike
// in both (Import and ImportAll write what they are given) get the same
// answer from both, EINTERNAL, and neither store changes a session.
func TestMemoryJudgesFamilyLinksAsTheStore(t *testing.T) {
	real, mem := newContractRuns(t)
	importAll := func(t *testing.T, r *contractRun, vs ...*session.Session) {
		t.Helper()
		if err := r.st.ImportAll(ctx, vs); err != nil {
			t.Fatal(err)
		}
	}
	// Each plant writes a family from session base on and returns the
	// session the operations act on (the parent, or the child).
	plants := []struct {
		name  string
		plant func(t *testing.T, r *contractRun, base int) int
	}{
		{"child of another merchant", func(t *testing.T, r *contractRun, base int) int {
			parent, other := r.newSession(base, "m-1", 0), r.newSession(base+1, "m-2", 0)
			parent.ChildSessionID = other.ID
			importAll(t, r, parent, other)
			return base
		}},
		{"child naming no parent", func(t *testing.T, r *contractRun, base int) int {
			parent, other := r.newSession(base, "m-1", 0), r.newSession(base+1, "m-1", 0)
			parent.ChildSessionID = other.ID
			importAll(t, r, parent, other)
			return base
		}},
		{"child naming another parent", func(t *testing.T, r *contractRun, base int) int {
			parent, elsewhere := r.newSession(base, "m-1", 0), r.newSession(base+2, "m-1", 0)
			child := r.newSession(base+1, "m-1", base+2)
			parent.ChildSessionID = child.ID
			importAll(t, r, parent, elsewhere, child)
			return base
		}},
		{"parent of another merchant", func(t *testing.T, r *contractRun, base int) int {
			// A family of m-1 whose child holds money its parent shows,
			// the child's merchant then set to m-2.
			if got := r.create(base, "m-1", 0, nil); !strings.HasPrefix(got, "body ") {
				t.Fatalf("create parent: %s", got)
			}
			if got := r.create(base+1, "m-1", base, nil); !strings.HasPrefix(got, "body ") {
				t.Fatalf("create child: %s", got)
			}
			if got := r.event(base+1, session.Authorised, ""); !strings.HasPrefix(got, "{") {
				t.Fatalf("child AUTHORISED: %s", got)
			}
			child, err := r.st.Get(ctx, id(base+1))
			if err != nil {
				t.Fatal(err)
			}
			child.MerchantID = "m-2"
			importAll(t, r, child)
			return base + 1
		}},
	}
	ops := []struct {
		name     string
		onParent bool // an operation on the parent; else on the child
		do       func(r *contractRun, n, base int) string
	}{
		{"merchant's cancel", true, func(r *contractRun, n, _ int) string { return r.cancel("m-1", n) }},
		{"processor's AUTHORISED", true, func(r *contractRun, n, _ int) string { return r.event(n, session.Authorised, "") }},
		{"a child's create", true, func(r *contractRun, n, base int) string { return r.create(base+5, "m-1", n, nil) }},
		{"document 003's read", true, func(r *contractRun, n, _ int) string { return r.getWithChild("m-1", n) }},
		{"processor's SETTLED", false, func(r *contractRun, n, _ int) string { return r.event(n, session.Settled, "") }},
		{"processor's CANCEL_REQUESTED", false, func(r *contractRun, n, _ int) string { return r.event(n, session.CancelRequested, "") }},
		{"merchant's cancel of the child", false, func(r *contractRun, n, _ int) string { return r.cancel("m-2", n) }},
	}
	want := fmt.Sprintf("error %s", session.EINTERNAL)
	base := 1000
	for _, p := range plants {
		onParent := p.name != "parent of another merchant"
		for _, op := range ops {
			if op.onParent != onParent {
				continue
			}
			base += 10
			t.Run(p.name+"/"+op.name, func(t *testing.T) {
				got := map[string]string{}
				for name, r := range map[string]*contractRun{"store": real, "memory": mem} {
					n := p.plant(t, r, base)
					before := []string{r.get(base), r.get(base + 1), r.get(base + 2)}
					got[name] = op.do(r, n, base)
					if g := got[name]; !strings.HasPrefix(g, want) {
						t.Errorf("%s: %s = %s; want %s", name, op.name, g, want)
					}
					if after := []string{r.get(base), r.get(base + 1), r.get(base + 2)}; fmt.Sprint(after) != fmt.Sprint(before) {
						t.Errorf("%s: sessions after %s: got\n%s\nwant them as they were:\n%s", name, op.name, after, before)
					}
				}
				if got["memory"] != got["store"] {
					t.Errorf("%s: Memory = %s; want store.Store's %s", op.name, got["memory"], got["store"])
				}
			})
		}
	}
}
