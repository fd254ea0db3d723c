package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// largeText is a text of n non-ASCII letters, as largeItem writes its
// texts.
func largeText(n int) string { return strings.Repeat("é", n) }

// largeTextWithDigits is largeText with its last 13 letters ASCII digits
// that are no card number (no network's prefix starts with 1): too many
// digits for the card rule's short cut, so every reading of it is made.
func largeTextWithDigits(n int) string {
	return strings.Repeat("é", n-13) + "1234567890123"
}

// largeDraft is the create of the largest kind of session a read decodes
// (largeItem), validated: every text a create accepts at its limit, made
// by text (largeText: non-ASCII letters, which the card rule once read in
// full where ASCII text with too few digits was answered at once;
// largeTextWithDigits: such letters and 13 digits, which it still reads
// in full), 50 metadata entries, each object (provider,
// paymentMethodDetails, appearance) near its 16 KiB, and the URLs at
// 2,048 characters.
func largeDraft(t testing.TB, text func(n int) string) *session.Draft {
	t.Helper()
	url := func(name string) string {
		u := "https://shop.example/" + name + "/"
		return u + strings.Repeat("a", 2048-len(u))
	}
	object := func() json.RawMessage {
		// {"k00":"ééé…",…}: values of 500 letters (1,000 bytes) until the
		// next would pass 16 KiB.
		var b strings.Builder
		b.WriteByte('{')
		for i := 0; ; i++ {
			entry := fmt.Sprintf("%q:%q", fmt.Sprintf("k%02d", i), text(500))
			if b.Len()+len(entry)+2 > 16<<10 {
				break
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(entry)
		}
		b.WriteByte('}')
		return json.RawMessage(b.String())
	}
	metadata := make(map[string]string, 50)
	for i := range 50 {
		metadata[fmt.Sprintf("%02d", i)+text(38)] = text(500)
	}
	categories := make([]string, 20)
	for i := range categories {
		categories[i] = text(64)
	}
	d := &session.Draft{
		Amount: new(int64(8800)), Currency: "EUR",
		OrderID: text(255), PaymentMethod: text(255), PaymentScenario: text(255),
		TransactionID: text(255), PartnerTransactionID: text(255), ShopBuyerID: text(255),
		CallGUID: "6f0c4a3e-8d2b-4c1a-9e7f-0a1b2c3d4e5f", ProviderSessionGUID: "7a1d5b4f-9e3c-4d2b-8f6a-1b2c3d4e5f60",
		PaymentProvider: text(255), PaymentProfileID: text(255),
		Hosted: true, ActionURL: url("action"), ReturnURL: url("return"), CancelURL: url("cancel"),
		Provider: object(), PaymentMethodDetails: object(), Appearance: object(),
		CardCategories: categories, Metadata: metadata,
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("draft: %v", err)
	}
	return d
}

// largeItem is the item largeDraft's session is stored as after 11
// events with 500-character reasons and a FAILED with 20 decline reasons
// and 100 result entries (text's throughout), each event validated as the
// service validates it.
func largeItem(t testing.TB, text func(n int) string) map[string]ddb.AttributeValue {
	t.Helper()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	d := largeDraft(t, text)
	v := session.New(d, "m-1", "1bbb38a6-c081-4a56-8e5e-92c8a6c847b0", "hcp", now, session.DefaultPolicy)
	at := now
	apply := func(ev *session.Event) {
		t.Helper()
		if err := ev.Validate(); err != nil {
			t.Fatalf("event %s: %v", ev.Status, err)
		}
		at = at.Add(time.Second)
		if _, err := v.Apply(ev, at, session.DefaultPolicy); err != nil {
			t.Fatalf("apply %s: %v", ev.Status, err)
		}
	}
	for i := range 11 {
		st := session.Processing
		if i%2 == 1 {
			st = session.RequiresAction
		}
		apply(&session.Event{Status: st, Reason: text(500), EventID: session.EventID(fmt.Sprintf("evt-%02d", i))})
	}
	reasons := make([]string, 20)
	for i := range reasons {
		reasons[i] = text(500)
	}
	result := make(map[string]string, 100)
	for i := range 100 {
		result[fmt.Sprintf("%03d", i)+text(97)] = text(1000)
	}
	apply(&session.Event{
		Status: session.Failed, Reason: text(500), TransactionID: text(255),
		DeclineReasons: &session.DeclineReasons{Category: text(255), Reasons: reasons},
		ResultData:     result,
	})
	s := New(nil, "t", session.DefaultPolicy, 16, func() time.Time { return now })
	av, err := s.Item(v)
	if err != nil {
		t.Fatal(err)
	}
	if n := itemSize(av); n > maxItemBytes {
		t.Fatalf("item of %d bytes; want at most %d (maxItemBytes: the store writes no larger)", n, maxItemBytes)
	}
	return av
}

// BenchmarkDecodeSessionLarge is BenchmarkDecodeSession of the largest
// kind of session (largeItem): what a read's decoding, the whole-item
// check (session.ForeignField) among it, costs at the other end.
func BenchmarkDecodeSessionLarge(b *testing.B) {
	benchmarkDecode(b, largeItem(b, largeText))
}

// BenchmarkDecodeSessionLargeWithDigits is BenchmarkDecodeSessionLarge
// with 13 digits at the end of every text (largeTextWithDigits): the
// largest session's read when the card rule's short cut answers none of
// its texts, as before it reached past ASCII (a merchant's texts with a
// date and a reference in them).
func BenchmarkDecodeSessionLargeWithDigits(b *testing.B) {
	benchmarkDecode(b, largeItem(b, largeTextWithDigits))
}

// benchmarkDecode measures a read's decoding of av.
func benchmarkDecode(b *testing.B, av map[string]ddb.AttributeValue) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeSession(av); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateLargeDraft is create's validation of largeItem's draft
// (largeDraft): every text judged by the card rule, as a read judges it.
func BenchmarkValidateLargeDraft(b *testing.B) {
	benchmarkValidate(b, largeDraft(b, largeText))
}

// BenchmarkValidateLargeDraftWithDigits is BenchmarkValidateLargeDraft
// with 13 digits at the end of every text (largeTextWithDigits), which
// the card rule's short cut does not answer.
func BenchmarkValidateLargeDraftWithDigits(b *testing.B) {
	benchmarkValidate(b, largeDraft(b, largeTextWithDigits))
}

// benchmarkValidate measures create's validation of d.
func benchmarkValidate(b *testing.B, d *session.Draft) {
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListLarge50 is the decoding of a document 004 day list's page
// of 50 sessions of largeItem's kind, as the list reads them (the
// listAttributes projection, session.ForeignField on what it carries):
// the CPU a page costs past the engine's answer.
func BenchmarkListLarge50(b *testing.B) {
	av := largeItem(b, largeText)
	projected := make(map[string]ddb.AttributeValue, len(listAttributes))
	for _, a := range listAttributes {
		if x, ok := av[a]; ok {
			projected[a] = x
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for range 50 {
			if _, err := decodeListed(projected); err != nil {
				b.Fatal(err)
			}
		}
	}
}
