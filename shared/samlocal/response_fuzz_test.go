package samlocal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
)

// FuzzParseResponse: any bytes a function answers with, read as API
// Gateway reads a payload-format-2.0 response (parseResponse's doc): "An
// object with a statusCode is a full response: statusCode (an integer),
// headers, cookies (each a Set-Cookie header), body, isBase64Encoded (the
// body is decoded)"; "Any other valid JSON is a bare body ... 200,
// Content-Type application/json, the JSON as the body, except that a JSON
// string is its value"; "Anything else is malformed: API Gateway answers
// 500". So, judged on the payload read independently (each field by its
// exact name, the last of a name given twice):
//   - not JSON: malformed; an error is always errMalformedLambdaReply;
//   - a bare body: exactly 200, application/json and that body;
//   - a full response read: its status is statusCode, 100 to 599; every
//     header it gave is there but for API Gateway's reserved ones, with
//     nothing else but its cookies as Set-Cookie; its body is body, or
//     body's base64 decoded when isBase64Encoded is true.
func FuzzParseResponse(f *testing.F) {
	for _, p := range []string{
		`{"statusCode":201,"headers":{"Content-Type":"application/json","X-A":"1"},"cookies":["a=1"],"body":"{\"id\":1}"}`,
		`{"statusCode":200,"isBase64Encoded":true,"body":"AAEC/w=="}`, `{"statusCode":"200"}`, `{"statusCode":200.0}`, `{"statusCode":null}`,
		`{"statusCode":204,"headers":{"content-length":"5","Connection":"close","x-a":"1","X-A":"2"}}`, `{"hello":"world"}`, ` "a\"b" `,
		`null`, `42`, `[1]`, `Task timed out`, `{"statusCode":200,"Body":"x","STATUSCODE":500}`, `{"statusCode":200,"statusCode":500}`,
		`{"statusCode":200,"headers":{"X":1}}`, `{"statusCode":200,"isBase64Encoded":true,"body":"%%%"}`, `{"statusCode":200,"cookies":"a=1"}`,
		`{"statusCode":200,"headers":{"X-A":"a\r\nSet-Cookie: b=2"},"body":null}`, `{"statusCode":1e2}`, "{\"statusCode\":200}\x00",
	} {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		res, err := parseResponse(payload)
		if err != nil {
			if !errors.Is(err, errMalformedLambdaReply) {
				t.Fatalf("parseResponse(%q) = %v; want errMalformedLambdaReply", payload, err)
			}
			return
		}
		if !json.Valid(payload) {
			t.Fatalf("parseResponse(%q) read %d %v %q; want malformed (not JSON)", payload, res.status, res.header, res.body)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(payload, &obj) != nil || obj["statusCode"] == nil {
			want := bytes.TrimSpace(payload)
			var s string
			if want[0] == '"' && json.Unmarshal(want, &s) == nil {
				want = []byte(s)
			}
			if res.status != http.StatusOK || !headersEqual(res.header, http.Header{"Content-Type": {"application/json"}}) || !bytes.Equal(res.body, want) {
				t.Fatalf("parseResponse(%q) = %d %v %q; want 200 application/json %q", payload, res.status, res.header, res.body, want)
			}
			return
		}
		var code json.Number
		dec := json.NewDecoder(bytes.NewReader(obj["statusCode"]))
		dec.UseNumber()
		_ = dec.Decode(&code)
		if n, err := strconv.Atoi(code.String()); err != nil || n != res.status || n < 100 || n > 599 {
			t.Fatalf("parseResponse(%q) status %d; want statusCode, 100 to 599", payload, res.status)
		}
		var headers map[string]string
		var cookies []string
		var body *string
		var b64 bool
		_ = json.Unmarshal(obj["headers"], &headers)
		_ = json.Unmarshal(obj["cookies"], &cookies)
		_ = json.Unmarshal(obj["body"], &body)
		_ = json.Unmarshal(obj["isBase64Encoded"], &b64)
		want := http.Header{}
		for k, v := range headers {
			want.Add(k, v)
		}
		for _, c := range cookies {
			want.Add("Set-Cookie", c)
		}
		for _, h := range reservedHeaders {
			want.Del(h)
		}
		for k, vs := range want {
			slices.Sort(vs)
			slices.Sort(res.header[k])
		}
		if !headersEqual(res.header, want) {
			t.Fatalf("parseResponse(%q) headers %v; want %v", payload, res.header, want)
		}
		var wantBody []byte
		if body != nil {
			wantBody = []byte(*body)
			if b64 {
				wantBody, _ = base64.StdEncoding.DecodeString(*body)
			}
		}
		if !bytes.Equal(res.body, wantBody) {
			t.Fatalf("parseResponse(%q) body %q; want %q", payload, res.body, wantBody)
		}
	})
}
