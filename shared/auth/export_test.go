package auth

import "net/http"

// SignatureChecks counts the signatures v has checked (its key provider's
// calls), so tests see which uses the verified-token cache served.
func SignatureChecks(v *JWTVerifier) int64 { return v.sigChecks.Load() }

// TokenCacheLen is the number of tokens v has cached.
func TokenCacheLen(v *JWTVerifier) int {
	if v.cache == nil {
		return 0
	}
	return v.cache.Len()
}

// NewAPIKeyFrom is NewAPIKey drawing its random bytes from fill.
func NewAPIKeyFrom(fill func([]byte)) (id, key string, secretHash []byte) {
	return newAPIKey(fill)
}

// SetJWKSTransport makes v fetch its JWKS through rt (a test's TLS server's
// transport, which trusts that server's certificate).
func SetJWKSTransport(v *JWTVerifier, rt http.RoundTripper) { v.client.Transport = rt }

// JWKSFetchTimeout is jwksFetchTimeout, for the tests of package auth_test.
const JWKSFetchTimeout = jwksFetchTimeout

// PrivateKeyReason is the reason a JWKS key's skip line gives for raw, a
// published private key.
func PrivateKeyReason(raw any) string { return privateKeyReason(raw) }

// SecretKeyReason is the reason a JWKS key's skip line gives for a
// published symmetric key.
const SecretKeyReason = secretKeyReason

// PrivateEntryReason is the reason a JWKS key's skip line gives for a
// published private key of key type kty that jwx did not make a private
// key of (its entry does not parse, or lacks d).
func PrivateEntryReason(kty string) string { return privateEntryReason(kty) }

// RepeatedMemberReason is the reason a JWKS key's skip line gives for an
// entry that gives the member name more than once.
func RepeatedMemberReason(name string) string { return repeatedMemberReason(name) }

// SameKidReason is the reason a JWKS key's skip line gives for a usable
// entry whose kid an earlier usable entry has.
const SameKidReason = sameKidReason
