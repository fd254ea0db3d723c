package store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// answerTransport answers every call with one fixed HTTP answer, as a
// DynamoDB endpoint (or whatever stands in its place) might send it, with
// the x-amz-crc32 of its body.
type answerTransport struct {
	status  int
	errType string // X-Amzn-ErrorType, when not ""
	body    []byte
}

func (a answerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h := http.Header{
		"Content-Type": {"application/x-amz-json-1.0"},
		"X-Amz-Crc32":  {strconv.FormatUint(uint64(crc32.ChecksumIEEE(a.body)), 10)},
	}
	if a.errType != "" {
		h.Set("X-Amzn-ErrorType", a.errType)
	}
	return &http.Response{
		StatusCode: a.status, ContentLength: int64(len(a.body)), Request: req, Header: h,
		Body: io.NopCloser(strings.NewReader(string(a.body))),
	}, nil
}

// FuzzGetItemAnswer: any answer to the GetItem of a session read and of an
// API key lookup (status, X-Amzn-ErrorType, body), through the store as
// the service builds it (NewClient's checks, one attempt). docs/design.md
// §8: an answer the SDK cannot read, a 5xx, an error answer that names no
// error, a success with an empty body and an item of another key than
// asked are 503 (EUNAVAILABLE), "never read as an item not found or a
// write done"; "An item of the key asked whose other attributes the store
// cannot decode is the store's own data written badly: a bug, 500". So:
//   - never a panic; every error is ENOTFOUND, EUNAVAILABLE or EINTERNAL;
//   - ENOTFOUND and a read only from a 2xx answer;
//   - a 5xx, and a 2xx that does not begin with a JSON object, EUNAVAILABLE;
//   - EINTERNAL from a 2xx only for an item of the key asked;
//   - a session read is the one asked (its id, the caller's merchant, a
//     canonical status), an API key read the key asked, not revoked.
func FuzzGetItemAnswer(f *testing.F) {
	f.Setenv("AWS_REGION", "eu-west-1")
	f.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	f.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	f.Setenv("AWS_SESSION_TOKEN", "")
	const id, merchant, keyID = "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b", "m-1", "0123456789abcdef"
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	// The items as the store writes them, in DynamoDB's JSON.
	writer := store.New(nil, "t", session.DefaultPolicy, store.DefaultListShards, func() time.Time { return now })
	amount := int64(8800)
	v := session.New(&session.Draft{Amount: &amount, Currency: "ZAR", Metadata: map[string]string{"a": "b"}}, merchant, id, "hcp", now, session.DefaultPolicy)
	av, err := writer.Item(v)
	if err != nil {
		f.Fatal(err)
	}
	sessionItem := `{"Item":` + wireItem(f, av) + `}`
	keyItem := `{"Item":{"pk":{"S":"APIKEY#` + keyID + `"},"sk":{"S":"APIKEY"},"keyId":{"S":"` + keyID + `"},"merchantId":{"S":"m-1"},"scopes":{"L":[{"S":"sessions:read"}]},"secretHash":{"B":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"},"createdAt":{"S":"2026-11-23T10:00:00.0000000Z"}}}`
	for _, s := range []struct {
		status  uint16
		errType string
		body    string
	}{
		{200, "", sessionItem}, {200, "", keyItem}, {200, "", "{}"}, {200, "", ""}, {200, "", `{"Item":null}`},
		{200, "", strings.Replace(sessionItem, id, "00000000-0000-4000-8000-000000000000", -1)},
		{200, "", strings.Replace(sessionItem, `"S":"CREATED"`, `"S":"created"`, 1)},
		{200, "", strings.Replace(sessionItem, `"merchantId":{"S":"m-1"}`, `"merchantId":{"S":"m-2"}`, 1)},
		{200, "", strings.Replace(sessionItem, `"id":{"S":"`+id, `"id":{"S":"ffffffff-ffff-4fff-bfff-ffffffffffff`, 1)},
		{200, "", strings.Replace(keyItem, `"keyId":{"S":"`+keyID, `"keyId":{"S":"fedcba9876543210`, 1)},
		{200, "", strings.Replace(keyItem, `}}}`, `},"revokedAt":{"S":"2026-11-23T10:00:00.0000000Z"}}}`, 1)},
		{400, "", `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"x"}`},
		{400, "", `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"x"}`},
		{400, "", `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}`},
		{400, "ThrottlingException", `{}`}, {403, "", `{"message":"Forbidden"}`}, {500, "", `{"__type":"InternalServerError"}`},
		{404, "", `<html>`}, {200, "", `[]`}, {200, "", `{"Item":{"pk":{"S":"SESSION#` + id + `"},"sk":{"S":"SESSION"}}}`},
	} {
		f.Add(s.status, s.errType, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status uint16, errType string, body []byte) {
		if status < 100 || status > 599 || strings.ContainsAny(errType, "\r\n\x00") {
			return // no HTTP answer
		}
		db, err := store.NewClient(context.Background(), store.ClientOptions{
			HTTPClient: &http.Client{Transport: answerTransport{int(status), errType, body}}, MaxAttempts: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		s := store.New(db, "t", session.DefaultPolicy, store.DefaultListShards, func() time.Time { return now })
		ok2xx := status/100 == 2
		// The SDK reads a body's first JSON value and ignores what follows
		// it ("{}0" is read as {}: an item not found), so a 2xx is judged
		// by its first value.
		var object map[string]json.RawMessage
		isObject := json.NewDecoder(bytes.NewReader(body)).Decode(&object) == nil && object != nil
		var item struct {
			Item map[string]struct{ S *string } `json:"Item"`
		}
		_ = json.Unmarshal(body, &item)
		keyed := func(pk, sk string) bool {
			p, s := item.Item["pk"].S, item.Item["sk"].S
			return p != nil && s != nil && *p == pk && *s == sk
		}
		check := func(what string, err error, itemOfKey bool) {
			t.Helper()
			if err == nil {
				if !ok2xx {
					t.Fatalf("%s: status %d %q read as an answer; want a refusal", what, status, body)
				}
				return
			}
			code := session.ErrorCode(err)
			switch {
			case code != session.ENOTFOUND && code != session.EUNAVAILABLE && code != session.EINTERNAL:
				t.Fatalf("%s: status %d %q: error %v (code %q); want ENOTFOUND, EUNAVAILABLE or EINTERNAL", what, status, body, err, code)
			case code == session.ENOTFOUND && !ok2xx:
				t.Fatalf("%s: status %d %q read as not found; want no verdict", what, status, body)
			case (status >= 500 || ok2xx && !isObject) && code != session.EUNAVAILABLE:
				t.Fatalf("%s: status %d %q: code %q; want EUNAVAILABLE", what, status, body, code)
			case ok2xx && code == session.EINTERNAL && !itemOfKey:
				t.Fatalf("%s: status %d %q: EINTERNAL for an answer holding no item of the key asked; want EUNAVAILABLE", what, status, body)
			}
		}
		got, err := s.GetOwned(context.Background(), merchant, id)
		check("session", err, keyed("SESSION#"+id, "SESSION"))
		if err == nil && (got.ID != id || got.MerchantID != merchant || !got.Status.Valid()) {
			t.Fatalf("status %d %q read as session %s of %s (%s); want session %s of %s", status, body, got.ID, got.MerchantID, got.Status, id, merchant)
		}
		k, err := s.APIKey(context.Background(), keyID)
		check("API key", err, keyed("APIKEY#"+keyID, "APIKEY"))
		if err == nil && (k.ID != keyID || k.RevokedAt != nil) {
			t.Fatalf("status %d %q read as API key %s (revoked %v); want key %s, live", status, body, k.ID, k.RevokedAt, keyID)
		}
	})
}

// wireItem writes av as DynamoDB's JSON protocol writes an item.
func wireItem(f testing.TB, av map[string]ddb.AttributeValue) string {
	var conv func(v ddb.AttributeValue) any
	conv = func(v ddb.AttributeValue) any {
		switch v := v.(type) {
		case *ddb.AttributeValueMemberS:
			return map[string]any{"S": v.Value}
		case *ddb.AttributeValueMemberN:
			return map[string]any{"N": v.Value}
		case *ddb.AttributeValueMemberB:
			return map[string]any{"B": v.Value}
		case *ddb.AttributeValueMemberBOOL:
			return map[string]any{"BOOL": v.Value}
		case *ddb.AttributeValueMemberNULL:
			return map[string]any{"NULL": v.Value}
		case *ddb.AttributeValueMemberSS:
			return map[string]any{"SS": v.Value}
		case *ddb.AttributeValueMemberNS:
			return map[string]any{"NS": v.Value}
		case *ddb.AttributeValueMemberL:
			l := []any{}
			for _, e := range v.Value {
				l = append(l, conv(e))
			}
			return map[string]any{"L": l}
		case *ddb.AttributeValueMemberM:
			m := map[string]any{}
			for k, e := range v.Value {
				m[k] = conv(e)
			}
			return map[string]any{"M": m}
		}
		f.Fatalf("attribute value %T", v)
		return nil
	}
	m := map[string]any{}
	for k, v := range av {
		m[k] = conv(v)
	}
	b, err := json.Marshal(m)
	if err != nil {
		f.Fatal(err)
	}
	return string(b)
}
