package store

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Retry policy of the DynamoDB client, chosen deliberately:
//
//   - the standard retryer (retries throttling, 5xx, timeouts and broken
//     connections), not the adaptive one: a Lambda container serves one
//     request at a time, so client-side rate adaptation has nothing to pace;
//   - its backoff replaced by the store's (retryDelay, backoff.go):
//     exponential with full jitter, capped at maxBackoff — each wait random
//     below a ceiling of 25 ms·2^(n-1) after the n-th try (100 ms·2^(n-1)
//     after a throttled one), at most 500 ms. The SDK's own (v1.48) has
//     the same 25 ms base for DynamoDB but a 1 s one after throttling,
//     which under a 500 ms cap is a flat window: every throttled wait
//     random below 500 ms, the first as late as the last (backoff.go says
//     why the store's grows from 100 ms);
//   - an x-amz-retry-after header on an answer ignored (ignoreRetryAfter):
//     the SDK (v1.48) would wait what it says, up to 5 s more than the
//     backoff, before each retry, past a write's deadline and the waits
//     below; a call DynamoDB keeps refusing ends 503 with Retry-After, and
//     the client waits;
//   - 5 attempts, so a call waits at most 375 ms in all between its tries
//     (25+50+100+200), 1.2 s when throttled (100+200+400+500): well inside
//     a write's deadline (Store.WriteTimeout, 4 s at the default
//     WRITE_GUARD; docs/design.md §4), which still ends a write whose tries
//     hang, and inside the API's 10 s function timeout, so a request
//     answers 503 with Retry-After instead of timing out at API Gateway;
//   - no client-side retry quota (ratelimit.None): the default token bucket
//     empties under a sustained fault rate and then fails requests long after
//     the faults end; DynamoDB's own throttling already protects the table;
//   - each attempt is cut off after 3 s (a hung connection is retried, not
//     waited on);
//   - and so is the connection it opens: a TCP connect is given 1 s
//     (dialTimeout) and a TLS handshake 2 s (tlsHandshakeTimeout),
//     together the attempt's 3 s, so a connection being opened ends with
//     the attempt that opened it. Cutting the attempt off does not end
//     them: net/http dials under a context without the request's
//     cancellation (a later request may use the connection) and ends a
//     dial only at the dialer's timeout, a handshake at the transport's,
//     the SDK's 30 s and 10 s. While DynamoDB hangs (a black-holed address,
//     a stopped engine whose listen queue is full) every attempt given up
//     on left its dial running for 30 s, a goroutine and a socket each:
//     hundreds piled up. In-Region a connect takes milliseconds (the
//     SDK's own "in-region" defaults mode allows 1.1 s); one whose first
//     SYN was lost (Linux resends it after 1 s), or whose name lookup lost
//     its packet (Go's resolver asks again after resolv.conf's timeout,
//     5 s by default), is given up at 1 s and retried at once, sooner than
//     at the attempt's 3 s. The handshake has the larger share: it takes
//     milliseconds too, but for a container's first, in which Go loads
//     the system's trusted roots (parsing the whole CA bundle, 45 to 70 ms
//     of CPU on a full core, measured); at 128 MB a function has about
//     1/14 of a vCPU, so that one may take about a second. Cut off, it
//     costs one retry, not the call: the roots go on loading and the next
//     attempt's handshake finds them (a 1.6 s first call, measured with a
//     bundle that took longer to load than a 1.5 s handshake timeout).
//
// The table's administration (CreateTable and the wait for it, TTL's
// reading and setting: table.go) is not a request's path: make run and make
// start-api call it once as they start, the tests once per table, each
// under its own deadline (a minute for the servers). Its attempts are cut
// off at adminAttemptTimeout, not at 3 s: a freshly started DynamoDB Local
// on a loaded machine (load 30 to 35 on 2 cores) answered no CreateTable
// within 3 s, all five attempts cut off ("exceeded maximum number of
// attempts, 5 ... Client.Timeout exceeded while awaiting headers"), and
// make run failed to start. The longer cut-off is a liveness bound only
// (a hung engine still fails the call, at the caller's deadline or after
// five attempts), not a budget a slow answer must meet.
const (
	maxAttempts         = 5
	maxBackoff          = 500 * time.Millisecond
	attemptTimeout      = 3 * time.Second
	dialTimeout         = 1 * time.Second
	tlsHandshakeTimeout = 2 * time.Second
	adminAttemptTimeout = 30 * time.Second
)

// ClientOptions configure NewClient.
type ClientOptions struct {
	// Endpoint is DYNAMODB_ENDPOINT: a local engine's URL, empty in AWS.
	Endpoint string
	// HTTPClient replaces the SDK's HTTP client (tests inject faults here).
	HTTPClient aws.HTTPClient
	// MaxAttempts overrides the retry attempts (tests); 0 keeps the default.
	MaxAttempts int
	// AttemptTimeout overrides the cut-off of each attempt (tests, whose
	// engine on a loaded machine answers seconds late); 0 keeps the
	// default, 3 s. The table's administration keeps at least its own
	// (adminAttemptTimeout). Not used with HTTPClient, whose own settings
	// are kept.
	AttemptTimeout time.Duration
	// APIOptions add middleware to every call (tests count calls with it).
	APIOptions []func(*middleware.Stack) error
}

// NewClient builds the DynamoDB client once per process, from the
// environment as Lambda provides it: the region from AWS_REGION (or
// AWS_DEFAULT_REGION), credentials from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. It does not use the SDK's
// config package on purpose: importing it initialises the SSO, SSO-OIDC, STS
// and sign-in clients of credential chains a Lambda never uses, about 2 ms
// of every cold start (see BENCHMARKS.md). With an endpoint (a local
// engine) the region defaults to us-east-1 and the credentials to fixed
// local ones. AWS_CA_BUNDLE, when set, adds its certificates to the roots
// trusted for DynamoDB's TLS (not for a plain-http local engine). It makes
// no network call.
func NewClient(ctx context.Context, o ClientOptions) (*dynamodb.Client, error) {
	attempts := maxAttempts
	if o.MaxAttempts > 0 {
		attempts = o.MaxAttempts
	}
	region := firstSet(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	key, secret, token := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	if o.Endpoint != "" {
		region = firstSet(region, "us-east-1")
		if key == "" {
			key, secret, token = "local", "local", ""
		}
	}
	if region == "" {
		return nil, errors.New("AWS_REGION is not set (Lambda sets it; elsewhere set it, or DYNAMODB_ENDPOINT for a local engine)")
	}
	if key == "" || secret == "" {
		return nil, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function's role)")
	}
	httpClient := o.HTTPClient
	if httpClient == nil {
		// The client talks to one host: keep as many idle connections to it
		// as the transport keeps in all. The SDK's default of 10 per host
		// makes a process with more concurrent calls than that (the local
		// server under load) open a new connection for most calls. The
		// dialer is the SDK's (keep-alive included) with its timeout
		// shortened; it replaces the SDK's tracing wrapper of the dial,
		// which only names the peer in the SDK's spans, and this client
		// has no tracer (the SDK does the same in its other defaults
		// modes).
		timeout := attemptTimeout
		if o.AttemptTimeout > 0 {
			timeout = o.AttemptTimeout
		}
		bc := awshttp.NewBuildableClient().WithTimeout(timeout).WithDialerOptions(func(d *net.Dialer) {
			d.Timeout = dialTimeout
		}).WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = tr.MaxIdleConns
			tr.TLSHandshakeTimeout = tlsHandshakeTimeout
		})
		pool, err := CABundleRoots(o.Endpoint, os.Getenv("AWS_CA_BUNDLE"))
		if err != nil {
			return nil, err
		}
		if pool != nil {
			bc = bc.WithTransportOptions(func(tr *http.Transport) {
				if tr.TLSClientConfig == nil {
					tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
				}
				tr.TLSClientConfig.RootCAs = pool
			})
		}
		httpClient = bc
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, token),
		HTTPClient:  httpClient,
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = attempts
				so.MaxBackoff = maxBackoff
				so.Backoff = retry.BackoffDelayerFunc(retryDelay)
				so.RateLimiter = ratelimit.None
			})
		},
	}
	return dynamodb.NewFromConfig(cfg, func(do *dynamodb.Options) {
		// Wrapped here, after the SDK has resolved its own settings of a
		// BuildableClient (it only applies them to that type).
		wrapped := closedBodyEnds{HTTPClient: do.HTTPClient}
		if bc, ok := do.HTTPClient.(*awshttp.BuildableClient); ok {
			wrapped.admin = closedBodyEnds{HTTPClient: bc.WithTimeout(max(adminAttemptTimeout, o.AttemptTimeout))}
		}
		do.HTTPClient = wrapped
		do.APIOptions = append(do.APIOptions, refuseEmptySuccess, refuseForeignAnswers, unreadableOnPanic, ignoreRetryAfter)
		do.APIOptions = append(do.APIOptions, o.APIOptions...)
		if o.Endpoint != "" {
			do.BaseEndpoint = aws.String(o.Endpoint)
			// The SDK's CRC32 check of an answer (x-amz-crc32) is off for
			// a local engine: there it only costs the hashing (the bytes
			// never leave the machine). In AWS it stays at the SDK's
			// default, on. Since the DynamoDB client's v1.74.1 it hashes
			// the body as it is read and fails the read that reaches its
			// end on a mismatch, a retryable error: the try fails and is
			// retried, and a mismatch on every try is 503, an answer the
			// SDK could not read
			// (TestDeployedClientRetriesAnAnswerFailingItsChecksum). Up to
			// v1.74.0 a mismatch only made Close return an error the SDK
			// logged, and the answer was read as it came. An answer
			// without the header (DynamoDB Local's error answers) is not
			// checked.
			do.DisableValidateResponseChecksum = true
		}
	}), nil
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// closedBodyEnds hands the transport each request's body without its
// WriteTo, so that a body the SDK has closed reads as ended, never as
// failed. smithy-go closes an attempt's request body as soon as the HTTP
// client returns, that is once the answer's headers are in; but net/http's
// writer may not be done with it yet: after sending Content-Length bytes
// it reads once more, to refuse a body longer than announced. The SDK's
// wrapper of a body that has WriteTo (every DynamoDB call's: a
// bytes.Reader) answers that read, once closed, with io.EOF as an error
// from WriteTo; the transport takes it for a failed write and closes the
// connection while the answer is being read ("use of closed network
// connection", which the retryer repeats, a write already done included).
// It takes a writer that lags behind the answer's headers: seen with
// -race on a loaded machine, possible wherever a goroutine can be
// descheduled. Read after Close answers 0, io.EOF, which the check takes
// as the end. The transport copied the body through Read already (its
// copy of Content-Length bytes goes through an io.LimitReader), so nothing
// else changes.
//
// That end is safe only because the length is known: a body closed
// partway through the write (between two reads) ends short of
// Content-Length, which the transport refuses, failing the write. A body
// of unknown length would be sent chunked, and ended early it would be a
// valid, truncated request; so only a body with a ContentLength above 0
// is wrapped (every DynamoDB call's is; a body of unknown length keeps its
// WriteTo, which writes it whole under the SDK's lock or fails).
type closedBodyEnds struct {
	aws.HTTPClient
	// admin is the same client with adminAttemptTimeout as its attempts'
	// cut-off, for the table's administration (adminCall); nil when the
	// caller gave its own HTTP client (a test's), whose settings are kept.
	admin aws.HTTPClient
}

// adminCall is the option of a call that administers the table
// (CreateTable, DescribeTable, DescribeTimeToLive, UpdateTimeToLive): its
// attempts are cut off at adminAttemptTimeout, not attemptTimeout (the
// retry policy above says why). A client NewClient did not build, or
// built on a caller's HTTP client, is left as it is.
func adminCall(o *dynamodb.Options) {
	if c, ok := o.HTTPClient.(closedBodyEnds); ok && c.admin != nil {
		o.HTTPClient = c.admin
	}
}

func (c closedBodyEnds) Do(req *http.Request) (*http.Response, error) {
	if _, ok := req.Body.(io.WriterTo); ok && req.Body != http.NoBody && req.ContentLength > 0 {
		req = req.WithContext(req.Context()) // a shallow copy: the SDK's request stays as it was
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return c.HTTPClient.Do(req)
}

// ignoreRetryAfter removes an x-amz-retry-after header from each answer as
// the transport gives it, before the SDK reads it: aws-sdk-go-v2's retry
// middleware (v1.48) would wait what it says, up to 5 s more than the
// backoff, before each retry (the client's retry policy above says why the
// waits stay the store's).
func ignoreRetryAfter(st *middleware.Stack) error {
	return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("paysessionsIgnoreRetryAfter",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if res, ok := out.RawResponse.(*smithyhttp.Response); ok && res.Response != nil {
				res.Header.Del("X-Amz-Retry-After")
			}
			return out, md, err
		}), middleware.After)
}

// refuseEmptySuccess makes a success answer (2xx) with an empty body an
// error the SDK could not read (smithy.DeserializationError, which the
// store answers 503: classify). DynamoDB never sends one: every success
// of its JSON protocol is a JSON object, at least {}. But the SDK reads an
// empty body as a success with nothing in it, so a body lost on the way
// (a proxy, a connection closed right after the headers of an answer
// without Content-Length) would read as an item not found (a false 404,
// or an API key refused), a write applied (a false 201, 200 or 204) or a
// day without sessions. The check runs innermost, on the raw answer,
// before the operation's deserializer reads it.
func refuseEmptySuccess(st *middleware.Stack) error {
	return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("paysessionsRefuseEmptySuccess",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			res, ok := out.RawResponse.(*smithyhttp.Response)
			if err != nil || !ok || res.StatusCode < 200 || res.StatusCode > 299 {
				return out, md, err
			}
			if res.Body == nil {
				return out, md, &smithy.DeserializationError{Err: errors.New("DynamoDB answered success with no body")}
			}
			var first [1]byte
			n, rerr := io.ReadFull(res.Body, first[:])
			if n == 0 {
				if rerr == io.EOF {
					rerr = errors.New("DynamoDB answered success with an empty body")
				}
				return out, md, &smithy.DeserializationError{Err: rerr}
			}
			res.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(first[:n]), res.Body), res.Body}
			return out, md, nil
		}), middleware.After)
}

// unreadableOnPanic makes an answer the SDK panics reading an error it
// could not read (smithy.DeserializationError, which the store answers
// 503: classify): an answer that is not DynamoDB's names no verdict
// (docs/design.md §8). The SDK's JSON reader (smithy-go v1.28.8) indexes a
// token it expects to be a map's key, a quoted string, without checking
// it, and a one-byte token there panics (slice bounds out of range):
// {"Responses":{"":[}[{ to a BatchGetItem. The list and the sweeper make
// their calls in goroutines of their own, where a panic ends the process:
// every request the instance was serving. It wraps the SDK's deserializer
// alone, within the SDK's ResponseErrorWrapper, and hands that the raw
// answer (recorded innermost, as the transport gave it), so the error
// names the answer's HTTP status and request id as any unreadable
// answer's does; nothing of the panicked reading is used.
func unreadableOnPanic(st *middleware.Stack) error {
	type rawKey struct{}
	err := st.Deserialize.Insert(middleware.DeserializeMiddlewareFunc("paysessionsUnreadableOnPanic",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (out middleware.DeserializeOutput, md middleware.Metadata, err error) {
			raw := new(any)
			defer func() {
				if p := recover(); p != nil {
					out, err = middleware.DeserializeOutput{RawResponse: *raw}, &smithy.DeserializationError{Err: fmt.Errorf("the SDK panicked reading DynamoDB's answer: %v", p)}
				}
			}()
			return next.HandleDeserialize(context.WithValue(ctx, rawKey{}, raw), in)
		}), "OperationDeserializer", middleware.Before)
	if err != nil {
		return err
	}
	return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("paysessionsRecordRawAnswer",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if raw, ok := ctx.Value(rawKey{}).(*any); ok {
				*raw = out.RawResponse
			}
			return out, md, err
		}), middleware.After)
}

// refuseForeignAnswers makes answers that read as DynamoDB's but that
// DynamoDB never sends errors the SDK could not read
// (smithy.DeserializationError, which the store answers 503: classify),
// as an answer not DynamoDB's names no verdict (docs/design.md §8):
//   - an error naming one DynamoDB does not have ({"__type":"X"}), or one
//     the operation cannot return (answerable: a TransactionCanceled-
//     Exception to a PutItem, a ConditionalCheckFailedException to a
//     GetItem or a transaction, a TransactionConflictException to a
//     transaction). The SDK reads every error of the service into its
//     type, whatever the operation, and the store would take such an
//     answer for DynamoDB's refusal (500), a lost race (409) or a failed
//     condition, though a write may have landed behind it. The error
//     kept holds the answer's status and request id (errorOutline), not
//     the foreign error, so nothing reads it again;
//   - a transaction canceled without one CancellationReason per item of
//     the request (none, an empty list, or too few or too many), or
//     with every reason None or without a code (DynamoDB cancels a
//     transaction for an item's reason, and names it): which item
//     failed, and why, is unknown, and the store's reading of the
//     reasons by position (the last item a failed Idempotency-Key record,
//     a conflict, a throttled index) would give a false 500 or 409. The
//     canceled transaction is not kept in the error, so nothing reads
//     those reasons; only the answer's HTTP status and DynamoDB's request
//     id are (answerError), for the request's ERROR line;
//   - a Query answered without Items (DynamoDB always sends Count and
//     Items, an empty list for no match; the store never asks for
//     Select COUNT): read as a success it is a day without sessions or a
//     shard with nothing due; and a BatchGetItem answered with a table it
//     asked neither in Responses nor in UnprocessedKeys ({},
//     {"Responses":{},"UnprocessedKeys":{}}): DynamoDB
//     sends each table asked, an empty list for no item found; read as a
//     success, every listed session is gone. (A table whose keys were all
//     left unprocessed is not required in Responses: the store asks for
//     those keys again.)
//   - an item that no item DynamoDB holds could give (foreignItem): a
//     GetItem's or TransactGetItems' item whose key is not the key asked
//     (another session's, an API key read as a session, no key at all), a
//     TransactGetItems answered with another number of items than asked,
//     a BatchGetItem's item whose key is none of the keys asked. DynamoDB
//     answers only the keys asked, and enforces the key schema on every
//     write, whoever writes: read as a success, such an item would be
//     another session served for the one asked, or skipped (a listed
//     session missing from a list answered 200). Only the key attributes
//     the read projects are compared: the store's BatchGetItem projects
//     pk and sk for it (listAttributes).
//
// An item of the key asked whose other attributes the store cannot
// decode (a status stored as a number, an unreadable instant) is not
// refused here: DynamoDB returns an item's attributes as they were
// written, and only the store writes this table's items, so such an item
// is the store's own data, written badly (or by a version whose format
// this one does not read). Every read of it fails the same way, a retry
// never helps, so it is a real bug: 500 (decodeSession), where a 503's
// Retry-After would promise what cannot come. A list index entry without
// a string sort key, by contrast, is one DynamoDB never answers (the index
// holds only items with its keys, of their declared type, not empty: a
// write breaking that is refused), so the list refuses it as here: 503
// (lister.query); so does the sweeper's query an expiry index entry
// without the table's pk or the index's expiresAt (the table's key is
// projected into every index: ExpiryQuery.Next), a failed query to the
// sweeper, never a session skipped.
//
// It runs in the Initialize step, after the SDK's retries (none of these
// answers is one the SDK retries), and costs a type switch on each answer,
// a nil check or two map look-ups per table asked, a look-up of each key
// attribute of an item read, and for a BatchGetItem a set of the keys
// asked (askedItems: ~23 µs for 100): small beside a network call (an
// error's code is looked up only on an error). Count itself
// cannot be checked (the SDK reads it into an int32, 0 when absent), nor
// {"Items":[]} without Count told from a real empty answer without
// reading the raw body, which this check does not do.
func refuseForeignAnswers(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("paysessionsRefuseForeignAnswers",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			if err != nil {
				var ae smithy.APIError
				if errors.As(err, &ae) && !answerable(in.Parameters, ae.ErrorCode()) {
					return out, md, answerError(err, md, &smithy.DeserializationError{Err: &foreignError{code: ae.ErrorCode()}})
				}
				var tce *ddb.TransactionCanceledException
				if !errors.As(err, &tce) {
					return out, md, err
				}
				items := -1
				switch p := in.Parameters.(type) {
				case *dynamodb.TransactWriteItemsInput:
					items = len(p.TransactItems)
				case *dynamodb.TransactGetItemsInput:
					items = len(p.TransactItems)
				}
				if len(tce.CancellationReasons) != items {
					return out, md, answerError(err, md, &smithy.DeserializationError{Err: fmt.Errorf("DynamoDB canceled a transaction of %d items with %d cancellation reasons", items, len(tce.CancellationReasons))})
				}
				// A canceled transaction applied nothing, and DynamoDB
				// cancels one for an item's reason: one whose every
				// reason is None (or has no code: "If no error occurred
				// for the associated item an error with a Null code"
				// is present) names none, and is no answer of
				// DynamoDB's either (a retry is safe).
				if !slices.ContainsFunc(tce.CancellationReasons, func(r ddb.CancellationReason) bool {
					c := aws.ToString(r.Code)
					return c != "None" && c != ""
				}) {
					return out, md, answerError(err, md, &smithy.DeserializationError{Err: fmt.Errorf("DynamoDB canceled a transaction of %d items naming no item's reason", items)})
				}
				return out, md, err
			}
			if typelessValue(out.Result) {
				return out, md, foreignItem(md, "DynamoDB answered an attribute value of no type it has")
			}
			switch r := out.Result.(type) {
			case *dynamodb.GetItemOutput:
				if p, _ := in.Parameters.(*dynamodb.GetItemInput); p != nil && r.Item != nil && !holdsKey(r.Item, p.Key, p.ProjectionExpression, p.ExpressionAttributeNames) {
					return out, md, foreignItem(md, "DynamoDB answered a GetItem with an item of another key")
				}
			case *dynamodb.TransactGetItemsOutput:
				p, _ := in.Parameters.(*dynamodb.TransactGetItemsInput)
				if p == nil || len(r.Responses) != len(p.TransactItems) {
					return out, md, foreignItem(md, "DynamoDB answered a TransactGetItems with another number of items than asked")
				}
				for i, ir := range r.Responses {
					if g := p.TransactItems[i].Get; g != nil && ir.Item != nil && !holdsKey(ir.Item, g.Key, g.ProjectionExpression, g.ExpressionAttributeNames) {
						return out, md, foreignItem(md, "DynamoDB answered a TransactGetItems with an item of another key")
					}
				}
			case *dynamodb.QueryOutput:
				if r.Items == nil {
					return out, md, answerError(nil, md, &smithy.DeserializationError{Err: errors.New("DynamoDB answered a Query without Items")})
				}
			case *dynamodb.BatchGetItemOutput:
				// Responses itself may be absent when every table asked was
				// left unprocessed: the check is per table.
				p, _ := in.Parameters.(*dynamodb.BatchGetItemInput)
				if p == nil {
					return out, md, answerError(nil, md, &smithy.DeserializationError{Err: errors.New("DynamoDB answered a BatchGetItem to no BatchGetItem request")})
				}
				for table, ka := range p.RequestItems {
					items, read := r.Responses[table]
					if left := r.UnprocessedKeys[table]; !read && len(left.Keys) == 0 {
						return out, md, answerError(nil, md, &smithy.DeserializationError{Err: errors.New("DynamoDB answered a BatchGetItem with a table asked neither read nor left unprocessed")})
					}
					if !askedItems(items, ka) {
						return out, md, foreignItem(md, "DynamoDB answered a BatchGetItem with an item of a key not asked")
					}
				}
			}
			return out, md, nil
		}), middleware.After)
}

// typelessValue reports whether an answer the store reads holds an
// attribute value of no type DynamoDB has ({}, {"X":1}, null), in an item,
// a key or a value's M or L: DynamoDB types every value it sends. The SDK
// (service/dynamodb v1.73) reads each map's and list's values into one
// variable, and a value of no known type leaves it as it was: nil for the
// first, else the value before it, so {"pk":{"S":"a"},"expiresAt":{}} reads
// expiresAt "a" (a session item's merchantId {} another merchant's, the
// session ENOTFOUND; an unprocessed key's {} sent back as a request that
// is not JSON). Such a value is therefore nil, or the very value (the same
// pointer) of another entry of its map or list, which two values DynamoDB
// sent never are.
func typelessValue(result any) bool {
	switch r := result.(type) {
	case *dynamodb.GetItemOutput:
		return typelessMap(r.Item)
	case *dynamodb.QueryOutput:
		return typelessMaps(r.Items) || typelessMap(r.LastEvaluatedKey)
	case *dynamodb.TransactGetItemsOutput:
		for _, ir := range r.Responses {
			if typelessMap(ir.Item) {
				return true
			}
		}
	case *dynamodb.BatchGetItemOutput:
		for _, items := range r.Responses {
			if typelessMaps(items) {
				return true
			}
		}
		for _, ka := range r.UnprocessedKeys {
			if typelessMaps(ka.Keys) {
				return true
			}
		}
	}
	return false
}

func typelessMaps(items []map[string]ddb.AttributeValue) bool {
	return slices.ContainsFunc(items, typelessMap)
}

// typelessMap and typelessList: see typelessValue.
func typelessMap(m map[string]ddb.AttributeValue) bool {
	var buf [32]ddb.AttributeValue
	vs := buf[:0]
	for _, v := range m {
		vs = append(vs, v)
	}
	return typelessList(vs)
}

func typelessList(vs []ddb.AttributeValue) bool {
	for _, v := range vs {
		switch v := v.(type) {
		case nil:
			return true
		case *ddb.AttributeValueMemberM:
			if typelessMap(v.Value) {
				return true
			}
		case *ddb.AttributeValueMemberL:
			if typelessList(v.Value) {
				return true
			}
		}
	}
	if len(vs) > 32 { // pairs would cost more than a set
		seen := make(map[ddb.AttributeValue]bool, len(vs))
		for _, v := range vs {
			if seen[v] {
				return true
			}
			seen[v] = true
		}
		return false
	}
	for i := range vs {
		for j := range i {
			if vs[i] == vs[j] {
				return true
			}
		}
	}
	return false
}

// answerError is err within an error naming the HTTP status and DynamoDB's
// request id (x-amzn-RequestId) of the answer it is about, as the SDK's
// awshttp.ResponseError names them (errorOutline and the error's text
// show them: "StatusCode: 200, RequestID: …"), so that the ERROR line of a
// request failed by an answer the store refuses tells on-call which
// answer. It holds nothing else of the answer: no body, no header, and
// not the SDK's error for it (cause, whose ResponseError gives the status
// and id when there is one; else the call's metadata md, of a success),
// so nothing reads the refused answer's contents again. err itself when
// neither records an answer.
func answerError(cause error, md middleware.Metadata, err error) error {
	status, id := 0, ""
	var re *awshttp.ResponseError
	if cause != nil && errors.As(cause, &re) && re.Response != nil {
		status, id = re.HTTPStatusCode(), re.ServiceRequestID()
	} else if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && raw != nil && raw.Response != nil {
		status = raw.StatusCode
		id, _ = awsmiddleware.GetRequestIDMetadata(md)
	}
	if status == 0 {
		return err
	}
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err},
		RequestID:     id,
	}
}

// Errors DynamoDB answers, by the API reference's Errors of each
// operation the store calls, beside the errors common to all of them.
var (
	// commonErrors are the errors any of the store's operations can
	// answer: those every one of their Errors lists holds
	// (InternalServerError, InvalidEndpointException,
	// ProvisionedThroughputExceededException, RequestLimitExceeded,
	// ResourceNotFoundException, ThrottlingException); AWS's common
	// errors ("Common Errors"), of the front end of every service; and
	// the front-end errors DynamoDB names beside them ("Error handling
	// with DynamoDB": AccessDeniedException, IncompleteSignatureException,
	// MissingAuthenticationTokenException, UnrecognizedClientException,
	// ValidationException; and SerializationException, ExpiredToken-
	// Exception, InvalidSignatureException, UnknownOperationException,
	// which its front end sends for a body it cannot parse and for
	// signatures). LimitExceededException and ResourceInUseException are
	// the table operations' only. Of the common errors at the HTTP level,
	// MalformedHttpRequestException and RequestEntityTooLargeException
	// refuse a request whole, every retry alike (500); RequestTimeout-
	// Exception and RequestAbortedException are left out on purpose: a
	// request not read whole may succeed again, and an answer naming them
	// is 503 like an error naming none.
	commonErrors = []string{
		"InternalServerError", "InvalidEndpointException", "ProvisionedThroughputExceededException",
		"RequestLimitExceeded", "ResourceNotFoundException", "ThrottlingException",
		"AccessDeniedException", "ExpiredTokenException", "IncompleteSignature", "InternalFailure",
		"InvalidAction", "InvalidClientTokenId", "InvalidParameterCombination", "InvalidParameterValue",
		"InvalidQueryParameter", "MalformedQueryString", "MissingAction", "MissingAuthenticationToken",
		"MissingParameter", "NotAuthorized", "OptInRequired", "RequestExpired", "ServiceUnavailable",
		"ValidationError",
		"IncompleteSignatureException", "MissingAuthenticationTokenException", "UnrecognizedClientException",
		"ValidationException", "SerializationException", "InvalidSignatureException",
		"UnknownOperationException", "ServiceUnavailableException",
		"MalformedHttpRequestException", "RequestEntityTooLargeException",
	}
	// itemWriteErrors are PutItem's, UpdateItem's and DeleteItem's own.
	itemWriteErrors = []string{
		"ConditionalCheckFailedException", "ItemCollectionSizeLimitExceededException",
		"TransactionConflictException", "ReplicatedWriteConflictException",
	}
	// transactWriteErrors are TransactWriteItems' own.
	transactWriteErrors = []string{
		"TransactionCanceledException", "TransactionInProgressException", "IdempotentParameterMismatchException",
	}
)

// answerable reports whether DynamoDB can answer the operation whose input
// is params with the error code: a common error, or one of the
// operation's own. GetItem, Query and BatchGetItem have none of their
// own; TransactGetItems only TransactionCanceledException. Another
// operation (the table's, which only set-up and tests call, and
// ImportAll's BatchWriteItem, which only tests and the benchmarks call) is not
// judged.
func answerable(params any, code string) bool {
	if slices.Contains(commonErrors, code) {
		return true
	}
	switch params.(type) {
	case *dynamodb.PutItemInput, *dynamodb.UpdateItemInput, *dynamodb.DeleteItemInput:
		return slices.Contains(itemWriteErrors, code)
	case *dynamodb.TransactWriteItemsInput:
		return slices.Contains(transactWriteErrors, code)
	case *dynamodb.TransactGetItemsInput:
		return code == "TransactionCanceledException"
	case *dynamodb.GetItemInput, *dynamodb.QueryInput, *dynamodb.BatchGetItemInput:
		return false
	}
	return true
}

// foreignError is an error answer naming code, which DynamoDB does not
// answer to the operation called (answerable): not DynamoDB's answer.
type foreignError struct{ code string }

func (e *foreignError) Error() string {
	return "DynamoDB never answers this operation with " + e.code
}

// foreignItem is the error for an answer whose items no item DynamoDB
// holds could give (refuseForeignAnswers): not DynamoDB's answer, so, as
// one the SDK could not read, a 503 (classify). It names the answer's
// status and request id (answerError), nothing of its items.
func foreignItem(md middleware.Metadata, what string) error {
	return answerError(nil, md, &smithy.DeserializationError{Err: errors.New(what)})
}

// holdsKey reports whether item holds key: each of key's attributes that
// the read's projection (proj, with its names; nil: the whole item) keeps
// is in item, of the same type and value.
func holdsKey(item, key map[string]ddb.AttributeValue, proj *string, names map[string]string) bool {
	for name, want := range key {
		if proj != nil && !projects(*proj, names, name) {
			continue
		}
		if got, ok := item[name]; !ok || !sameKeyValue(got, want) {
			return false
		}
	}
	return true
}

// askedItems reports whether every item is one of ka's keys (holdsKey):
// its key attributes that the projection keeps are those of one of the
// keys asked. Each key asked is written once into a set and each item
// looked up in it (up to 100 keys and items to a call: comparing each
// item with each key, the projection parsed each time, cost ~0.4 ms of
// CPU a call).
func askedItems(items []map[string]ddb.AttributeValue, ka ddb.KeysAndAttributes) bool {
	if len(items) == 0 {
		return true
	}
	if len(ka.Keys) == 0 {
		return false
	}
	var names []string // the key attributes the projection keeps (DynamoDB's keys all have the same)
	for name := range ka.Keys[0] {
		if ka.ProjectionExpression == nil || projects(*ka.ProjectionExpression, ka.ExpressionAttributeNames, name) {
			names = append(names, name)
		}
	}
	asked := make(map[string]struct{}, len(ka.Keys))
	var buf []byte
	for _, key := range ka.Keys {
		var ok bool
		if buf, ok = appendKey(buf[:0], key, names); !ok {
			return false
		}
		asked[string(buf)] = struct{}{}
	}
	for _, it := range items {
		var ok bool
		if buf, ok = appendKey(buf[:0], it, names); !ok {
			return false
		}
		if _, ok := asked[string(buf)]; !ok {
			return false
		}
	}
	return true
}

// appendKey appends to buf the values of item's attributes names, each
// with its type and length (so that no two keys write the same bytes);
// false if one is missing or not a key type (string, number, binary).
func appendKey(buf []byte, item map[string]ddb.AttributeValue, names []string) ([]byte, bool) {
	for _, name := range names {
		var t byte
		var v []byte
		switch a := item[name].(type) {
		case *ddb.AttributeValueMemberS:
			t, v = 'S', []byte(a.Value)
		case *ddb.AttributeValueMemberN:
			t, v = 'N', []byte(a.Value)
		case *ddb.AttributeValueMemberB:
			t, v = 'B', a.Value
		default:
			return buf, false
		}
		buf = append(buf, t)
		buf = strconv.AppendInt(buf, int64(len(v)), 10)
		buf = append(buf, ':')
		buf = append(buf, v...)
	}
	return buf, true
}

// projects reports whether the projection expression proj (its #names
// resolved by names) keeps the top-level attribute name.
func projects(proj string, names map[string]string, name string) bool {
	for part := range strings.SplitSeq(proj, ",") {
		part = strings.TrimSpace(part)
		if i := strings.IndexAny(part, ".["); i >= 0 {
			part = part[:i]
		}
		if strings.HasPrefix(part, "#") {
			part = names[part]
		}
		if part == name {
			return true
		}
	}
	return false
}

// sameKeyValue reports whether a and b are the same key value: a key
// attribute is a string, a number or binary (numbers are compared as
// written: the store's keys are strings).
func sameKeyValue(a, b ddb.AttributeValue) bool {
	switch a := a.(type) {
	case *ddb.AttributeValueMemberS:
		b, ok := b.(*ddb.AttributeValueMemberS)
		return ok && a.Value == b.Value
	case *ddb.AttributeValueMemberN:
		b, ok := b.(*ddb.AttributeValueMemberN)
		return ok && a.Value == b.Value
	case *ddb.AttributeValueMemberB:
		b, ok := b.(*ddb.AttributeValueMemberB)
		return ok && bytes.Equal(a.Value, b.Value)
	}
	return false
}

// CABundleRoots is the pool of roots NewClient trusts for DynamoDB's TLS
// at endpoint when AWS_CA_BUNDLE is bundle: the system's and the bundle's
// certificates; nil (the SDK's defaults) when bundle is empty or endpoint
// is a plain-http engine, which never reads it. Its error is the one that
// stops NewClient, so a function's start-up; make start-api's banner asks
// it too, of the value each function runs with (samlocal's StartFailure:
// events/env.json can give one function a bundle it cannot read).
func CABundleRoots(endpoint, bundle string) (*x509.CertPool, error) {
	if bundle == "" || plainHTTP(endpoint) {
		return nil, nil
	}
	pem, err := os.ReadFile(bundle)
	if err != nil {
		return nil, fmt.Errorf("AWS_CA_BUNDLE: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("AWS_CA_BUNDLE %s holds no PEM certificate", bundle)
	}
	return pool, nil
}

// plainHTTP reports whether endpoint is a plain-http engine, whose scheme
// is http in any case (RFC 3986 schemes are case-insensitive, and
// config.Load takes HTTP:// as http): AWS_CA_BUNDLE is not read for it.
func plainHTTP(endpoint string) bool {
	u, err := url.Parse(endpoint)
	return err == nil && u.Scheme == "http"
}
