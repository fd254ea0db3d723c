package storetest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// RewriteTransport is an http.RoundTripper for the SDK's DynamoDB client
// that lets a test change DynamoDB's answers: what DynamoDB Local never
// does but DynamoDB does, such as an index that lags its table or a batch
// read that leaves keys unprocessed. Rewrite gets the operation
// ("Query", "BatchGetItem", ...), the request's body and the answer's body,
// and returns the body to give the SDK. The SDK does not check the
// checksum of a local engine's answers, so a rewritten body is taken as is.
type RewriteTransport struct {
	Next    http.RoundTripper // nil: http.DefaultTransport
	Rewrite func(op string, request, response []byte) []byte
}

// RoundTrip sends the request and rewrites the answer.
func (t *RewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	res, err := next.RoundTrip(req)
	if err != nil || res.StatusCode != http.StatusOK {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	body = t.Rewrite(op, reqBody, body)
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Set("Content-Length", strconv.Itoa(len(body)))
	res.Header.Del("X-Amz-Crc32")
	return res, nil
}
