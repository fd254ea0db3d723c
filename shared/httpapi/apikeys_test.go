package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

func TestAPIKeyLifecycle(t *testing.T) {
	h := newHarness(t)
	admin := h.token("m-1", auth.ScopeAPIKeysWrite)
	res := h.do("POST", "/api-keys", admin, map[string]any{"scopes": []string{"sessions:read", "sessions:write", "sessions:read"}})
	if res.Code != 201 {
		t.Fatalf("POST /api-keys = %d %s", res.Code, res.Body)
	}
	body := res.json(t)
	key, id := body["key"].(string), body["keyId"].(string)
	if !regexp.MustCompile(`^psk_[0-9a-f]{16}_[0-9a-f]{64}$`).MatchString(key) || !strings.HasPrefix(key, "psk_"+id+"_") {
		t.Errorf("key = %q (id %q); want psk_<keyId>_<secret>", key, id)
	}
	if body["merchantId"] != "m-1" || len(body["scopes"].([]any)) != 2 || body["createdAt"] == nil {
		t.Errorf("body = %v; want merchant m-1, two scopes, createdAt", body)
	}
	if res.Header().Get("Location") != "/api-keys/"+id {
		t.Errorf("Location = %q", res.Header().Get("Location"))
	}

	// The secret is not stored: the raw item holds only its SHA-256 digest.
	out, err := h.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(h.table), ConsistentRead: aws.Bool(true),
		Key: map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "APIKEY#" + id}, "sk": &ddb.AttributeValueMemberS{Value: "APIKEY"}},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("raw item: %v", err)
	}
	var item map[string]any
	if err := attributevalue.UnmarshalMap(out.Item, &item); err != nil {
		t.Fatal(err)
	}
	dump, _ := json.Marshal(item)
	secret := key[len("psk_"+id+"_"):]
	digest := sha256.Sum256([]byte(secret))
	if strings.Contains(string(dump), secret) || strings.Contains(string(dump), key) {
		t.Errorf("stored item %s holds the secret in clear", dump)
	}
	if !bytes.Equal(item["secretHash"].([]byte), digest[:]) {
		t.Errorf("secretHash = %x; want the SHA-256 of the secret", item["secretHash"])
	}

	// The key works where API keys are accepted.
	created := h.do("POST", "/sessions", "", map[string]any{"amount": 1, "currency": "EUR"}, "X-Api-Key", key)
	if created.Code != 201 {
		t.Fatalf("create with API key = %d %s", created.Code, created.Body)
	}
	sid := created.json(t)["id"].(string)
	for _, path := range []string{"/sessions/" + sid, "/payment-sessions/" + sid} {
		if res := h.do("GET", path, "", nil, "X-Api-Key", key); res.Code != 200 {
			t.Errorf("GET %s with API key = %d %s", path, res.Code, res.Body)
		}
	}
	// ...and nowhere else.
	wantProblem(t, h.do("GET", "/v1/session/"+sid, "", nil, "X-Api-Key", key), 401, session.ReasonUnauthenticated)
	wantProblem(t, h.do("POST", "/api-keys", "", map[string]any{"scopes": []string{"sessions:read"}}, "X-Api-Key", key), 401, session.ReasonUnauthenticated)
	// A read-only key cannot write.
	ro := h.apiKey("m-1", "sessions:read")
	wantProblem(t, h.do("POST", "/sessions", "", map[string]any{"amount": 1, "currency": "EUR"}, "X-Api-Key", ro), 403, session.ReasonInsufficientScope)
	// Another merchant's key sees nothing of m-1.
	other := h.apiKey("m-2", "sessions:read")
	wantProblem(t, h.do("GET", "/payment-sessions/"+sid, "", nil, "X-Api-Key", other), 404, session.ReasonSessionNotFound)

	// Only the owner can revoke; revocation is effective at once here.
	wantProblem(t, h.do("DELETE", "/api-keys/"+id, h.token("m-2", auth.ScopeAPIKeysWrite), nil), 404, session.ReasonNotFound)
	if res := h.do("DELETE", "/api-keys/"+id, admin, nil); res.Code != 204 {
		t.Fatalf("DELETE = %d %s", res.Code, res.Body)
	}
	wantProblem(t, h.do("GET", "/payment-sessions/"+sid, "", nil, "X-Api-Key", key), 401, session.ReasonUnauthenticated)
	wantProblem(t, h.do("DELETE", "/api-keys/"+id, admin, nil), 404, session.ReasonNotFound)
	wantProblem(t, h.do("DELETE", "/api-keys/NOT-HEX", admin, nil), 400, session.ReasonValidation)
}

func TestAPIKeyRefusals(t *testing.T) {
	h := newHarness(t)
	admin := h.token("m-1", auth.ScopeAPIKeysWrite)
	for _, body := range []any{
		map[string]any{"scopes": []string{}},
		map[string]any{"scopes": []string{"sessions:process"}},
		map[string]any{"scopes": []string{"apikeys:write"}},
		map[string]any{},
		map[string]any{"scopes": []string{"sessions:read"}, "merchantId": "m-2"},
	} {
		if res := h.do("POST", "/api-keys", admin, body); res.Code != 400 {
			t.Errorf("POST /api-keys %v = %d; want 400", body, res.Code)
		}
	}
	wantProblem(t, h.do("POST", "/api-keys", h.merchantToken("m-1"), map[string]any{"scopes": []string{"sessions:read"}}), 403, session.ReasonInsufficientScope)
	wantProblem(t, h.do("POST", "/api-keys", h.token("", auth.ScopeAPIKeysWrite), map[string]any{"scopes": []string{"sessions:read"}}), 403, session.ReasonMerchantRequired)
	id := h.create("m-1", nil)
	key := h.apiKey("m-1", "sessions:read")
	if res := h.do("GET", "/payment-sessions/"+id, "", nil); res.Header().Get("WWW-Authenticate") != `ApiKey realm="paysessions", header="X-Api-Key"` {
		t.Errorf("002's challenge = %q; want the X-Api-Key one", res.Header().Get("WWW-Authenticate"))
	}
	if res := h.do("GET", "/sessions/"+id, "", nil); !strings.Contains(res.Header().Get("WWW-Authenticate"), "Bearer") || !strings.Contains(res.Header().Get("WWW-Authenticate"), "ApiKey") {
		t.Errorf("native challenge = %q; want both schemes", res.Header().Get("WWW-Authenticate"))
	}
	for _, bad := range []string{"", "psk_", "garbage", key + "x", strings.Replace(key, "psk_", "PSK_", 1), key[:len(key)-1] + "0", "psk_0123456789abcdef_" + strings.Repeat("0", 64)} {
		if bad == key {
			continue
		}
		res := h.do("GET", "/payment-sessions/"+id, "", nil, "X-Api-Key", bad)
		if res.Code != 401 {
			t.Errorf("X-Api-Key %q = %d; want 401", bad, res.Code)
		}
	}
}

// TestRevocationReachesOtherContainers: a container that cached a key stops
// accepting it within the cache TTL of its revocation elsewhere.
func TestRevocationReachesOtherContainers(t *testing.T) {
	h := newHarness(t)
	key := h.apiKey("m-1", "sessions:read")
	clock := time.Now()
	other := auth.NewAPIKeyVerifier(h.st, func() time.Time { return clock })
	if _, err := other.VerifyAPIKey(context.Background(), key); err != nil {
		t.Fatalf("VerifyAPIKey() = %v", err)
	}
	id := strings.Split(key, "_")[1]
	if res := h.do("DELETE", "/api-keys/"+id, h.token("m-1", auth.ScopeAPIKeysWrite), nil); res.Code != 204 {
		t.Fatalf("DELETE = %d", res.Code)
	}
	if _, err := other.VerifyAPIKey(context.Background(), key); err != nil {
		t.Fatalf("within the TTL the cached key still answers; got %v", err)
	}
	clock = clock.Add(auth.APIKeyCacheTTL)
	if _, err := other.VerifyAPIKey(context.Background(), key); session.ErrorCode(err) != session.EUNAUTHORIZED {
		t.Errorf("after the TTL: VerifyAPIKey() = %v; want %s", err, session.EUNAUTHORIZED)
	}
	if auth.APIKeyCacheTTL > 60*time.Second {
		t.Errorf("APIKeyCacheTTL = %s; revocation must take effect within 60s", auth.APIKeyCacheTTL)
	}
}
