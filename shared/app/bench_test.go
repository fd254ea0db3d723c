package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The overhead benchmarks measure what the service adds to a status read:
// each GET endpoint's whole Lambda path, from API Gateway's event JSON to
// the response event's JSON, with DynamoDB answered by an in-process fake,
// against the floor of a bare SDK GetItem against the same fake. `make
// bench` compares them (budget: 2x the floor's time with a token the
// container has verified before, 2x its allocations).

type benchEnv struct {
	app    *app.App
	fake   string
	table  string
	token  map[string]string            // alg -> token for sampleMerchant, every scope
	jwks   map[string]*auth.JWTVerifier // the verified-token cache off
	cached map[string]*auth.JWTVerifier // the verified-token cache on, as in a function
	apiKey string
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	fake := httptest.NewServer(storetest.NewFakeDynamo())
	b.Cleanup(fake.Close)
	e := &benchEnv{fake: fake.URL, table: "bench", token: map[string]string{}, jwks: map[string]*auth.JWTVerifier{}, cached: map[string]*auth.JWTVerifier{}}
	scopes := []string{auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopePaymentRead, auth.ScopeUser}
	var jwksURL string
	for _, alg := range []jwa.SignatureAlgorithm{jwa.RS256(), jwa.ES256(), jwa.EdDSA()} {
		iss, err := devtoken.New("https://issuer.test", "paysessions", alg)
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(iss)
		b.Cleanup(srv.Close)
		e.token[alg.String()] = iss.MustMint(devtoken.Claims{MerchantID: sampleMerchant, Scopes: scopes, TTL: time.Hour})
		e.jwks[alg.String()] = auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL, Issuer: "https://issuer.test", Audience: "paysessions", CacheEntries: -1})
		e.cached[alg.String()] = auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL, Issuer: "https://issuer.test", Audience: "paysessions"})
		if alg.String() == "RS256" {
			jwksURL = srv.URL
		}
	}
	env := map[string]string{
		"TABLE_NAME": e.table, "DYNAMODB_ENDPOINT": fake.URL,
		"JWKS_URL": jwksURL, "JWT_ISSUER": "https://issuer.test", "JWT_AUDIENCE": "paysessions",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	// The request log line is written, as in production, to a discarding
	// writer.
	a, err := app.New(context.Background(), cfg, app.Options{Log: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	e.app = a
	amount := int64(8800)
	v := session.New(&session.Draft{Amount: &amount, Currency: "ZAR", OrderID: "order-1", TransactionID: "tx-1", PaymentMethod: "Card"}, sampleMerchant, sampleSessionID, "hcp", time.Now(), cfg.Policy())
	if _, _, err := a.Store.Create(context.Background(), v, nil, 0, nil); err != nil {
		b.Fatal(err)
	}
	_, key, _ := auth.NewAPIKey()
	secret := key[len("psk_")+17:]
	sum := sha256.Sum256([]byte(secret))
	if err := a.Store.CreateAPIKey(context.Background(), &store.APIKey{ID: "feedfacecafebeef", MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead}, SecretHash: sum[:], CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	e.apiKey = "psk_feedfacecafebeef_" + secret
	return e
}

// eventJSON is an events/ sample as API Gateway would send it.
func (e *benchEnv) eventJSON(b *testing.B, name string) []byte {
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		b.Fatal(err)
	}
	raw = bytes.ReplaceAll(raw, []byte("REPLACE_WITH_TOKEN"), []byte(e.token["RS256"]))
	raw = bytes.ReplaceAll(raw, []byte("REPLACE_WITH_API_KEY"), []byte(e.apiKey))
	raw = bytes.ReplaceAll(raw, []byte("2026-11-23"), []byte(time.Now().UTC().Format(time.DateOnly)))
	return raw
}

// BenchmarkLambdaPath runs each GET endpoint's Lambda handler as its
// function builds it, event JSON in, response JSON out.
func BenchmarkLambdaPath(b *testing.B) {
	e := newBenchEnv(b)
	routes := map[string]httpapi.Route{}
	for _, rt := range httpapi.Routes(e.app.Deps()) {
		routes[rt.Pattern] = rt
	}
	for _, name := range []string{"get-session", "session-v1", "payment-status", "payment-session", "checkout-session", "session-record", "session-records"} {
		b.Run(name, func(b *testing.B) {
			raw := e.eventJSON(b, name+".json")
			var probe events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &probe); err != nil {
				b.Fatal(err)
			}
			handler := e.app.Lambda(routes[probe.RouteKey])
			// Lambda gives every invocation a context with its deadline,
			// and the handler serves the request under an earlier one
			// (app.AnswerContext): a context without one would leave that
			// per-request cost (8 allocations) out of the path measured.
			ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
			defer cancel()
			// One warm-up call: the JWKS fetch and the key caches happen once
			// per container, not per request.
			if res, err := handler(ctx, probe); err != nil || res.StatusCode != 200 {
				b.Fatalf("warm-up = %d %s, %v", res.StatusCode, res.Body, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				var ev events.APIGatewayV2HTTPRequest
				if err := json.Unmarshal(raw, &ev); err != nil {
					b.Fatal(err)
				}
				res, err := handler(ctx, ev)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("= %d %s, %v", res.StatusCode, res.Body, err)
				}
				if _, err := json.Marshal(res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFloorGetItem is the floor: a bare SDK GetItem (consistent) of
// the same item against the same fake, with the client the service builds.
func BenchmarkFloorGetItem(b *testing.B) {
	e := newBenchEnv(b)
	db, in := e.floor(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		out, err := db.GetItem(ctx, in)
		if err != nil || out.Item == nil {
			b.Fatalf("GetItem = %v, %v", out, err)
		}
	}
}

// BenchmarkJWTVerify is the cost of verifying one bearer token, per
// algorithm, with the key set cached and its keys ready, and the
// verified-token cache off: a token the container has not seen.
func BenchmarkJWTVerify(b *testing.B) {
	benchmarkVerify(b, func(e *benchEnv, alg string) *auth.JWTVerifier { return e.jwks[alg] })
}

// BenchmarkJWTVerifyCached is the cost of a token the container verified
// less than 5 minutes ago (docs/design.md §7): a hash, a cache hit, the
// exp/nbf/iat checks.
func BenchmarkJWTVerifyCached(b *testing.B) {
	benchmarkVerify(b, func(e *benchEnv, alg string) *auth.JWTVerifier { return e.cached[alg] })
}

func benchmarkVerify(b *testing.B, verifier func(*benchEnv, string) *auth.JWTVerifier) {
	e := newBenchEnv(b)
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		b.Run(alg, func(b *testing.B) {
			v, tok := verifier(e, alg), e.token[alg]
			ctx := context.Background()
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// listPartitions are the sample merchant's list-index partitions of today,
// the one holding the sample session first.
func (e *benchEnv) listPartitions(b *testing.B) []string {
	amount := int64(8800)
	v := session.New(&session.Draft{Amount: &amount, Currency: "ZAR"}, sampleMerchant, sampleSessionID, "hcp", time.Now(), e.app.Config.Policy())
	item, err := e.app.Store.Item(v)
	if err != nil {
		b.Fatal(err)
	}
	first := item["merchantDayShard"].(*ddb.AttributeValueMemberS).Value
	out := []string{first}
	prefix := sampleMerchant + "#" + time.Now().UTC().Format(time.DateOnly) + "#"
	for i := range e.app.Config.ListShards {
		if p := prefix + strconv.Itoa(i); p != first {
			out = append(out, p)
		}
	}
	return out
}

func listQuery(table, partition string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		IndexName:                 aws.String(store.IndexByMerchantDayShard),
		KeyConditionExpression:    aws.String("#p = :p"),
		ExpressionAttributeNames:  map[string]string{"#p": "merchantDayShard", "#k": "createdKey"},
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":p": &ddb.AttributeValueMemberS{Value: partition}},
		ProjectionExpression:      aws.String("#k"),
	}
}

// BenchmarkFloorQuery is one bare SDK Query of one partition of the list
// index against the same fake (the list before it read its sessions from
// the table: one Query of one partition).
func BenchmarkFloorQuery(b *testing.B) {
	e := newBenchEnv(b)
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: e.fake})
	if err != nil {
		b.Fatal(err)
	}
	in := listQuery(e.table, e.listPartitions(b)[0])
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		out, err := db.Query(ctx, in)
		if err != nil || len(out.Items) != 1 {
			b.Fatalf("Query = %v, %v", out, err)
		}
	}
}

// BenchmarkFloorList is the list's floor: the calls it makes for a page,
// bare — a Query of each of the day's LIST_SHARDS partitions, in parallel,
// then a consistent BatchGetItem of the sessions they name — against the
// same fake.
func BenchmarkFloorList(b *testing.B) {
	e := newBenchEnv(b)
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: e.fake})
	if err != nil {
		b.Fatal(err)
	}
	var queries []*dynamodb.QueryInput
	for _, p := range e.listPartitions(b) {
		queries = append(queries, listQuery(e.table, p))
	}
	get := &dynamodb.BatchGetItemInput{RequestItems: map[string]ddb.KeysAndAttributes{e.table: {
		ConsistentRead: aws.Bool(true),
		Keys: []map[string]ddb.AttributeValue{{
			"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + sampleSessionID},
			"sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
		}},
	}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		found := make([]int, len(queries))
		errs := make([]error, len(queries))
		for i, q := range queries {
			wg.Go(func() {
				out, err := db.Query(ctx, q)
				if errs[i] = err; err == nil {
					found[i] = len(out.Items)
				}
			})
		}
		wg.Wait()
		// Every partition's Query must succeed, as the list's must: a
		// failed one would make the floor cheaper than the list's calls.
		if err := errors.Join(errs...); err != nil || found[0] != 1 {
			b.Fatalf("Query found %v, %v", found, err)
		}
		got, err := db.BatchGetItem(ctx, get)
		if err != nil || len(got.Responses[e.table]) != 1 {
			b.Fatalf("BatchGetItem = %v, %v", got, err)
		}
	}
}

// floor is the floor's client (the one the service builds) against e's fake
// and its consistent GetItem of the sample session's item.
func (e *benchEnv) floor(b *testing.B) (*dynamodb.Client, *dynamodb.GetItemInput) {
	b.Helper()
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: e.fake})
	if err != nil {
		b.Fatal(err)
	}
	return db, &dynamodb.GetItemInput{
		TableName:      aws.String(e.table),
		ConsistentRead: aws.Bool(true),
		Key: map[string]ddb.AttributeValue{
			"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + sampleSessionID},
			"sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
		},
	}
}
