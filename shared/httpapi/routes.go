package httpapi

import (
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/store"
)

// Deps are the dependencies the handlers are made from.
type Deps struct {
	Store *store.Store
	Auth  *auth.Authenticator
	Now   func() time.Time
}

// Routes returns every HTTP endpoint of the service. The local server mounts
// them all; each Lambda mounts the one it serves.
func Routes(d Deps) []Route {
	return []Route{
		{PatternCreateSession, CreateSession(d.Store, d.Auth, d.Now)},
		{PatternGetSession, GetSession(d.Store, d.Auth)},
		{PatternPostEvent, PostEvent(d.Store, d.Auth)},
		{PatternCancelSession, CancelSession(d.Store, d.Auth)},
		{PatternV1Session, V1Session(d.Store, d.Auth)},
		{PatternPaymentStatus, PaymentStatus(d.Store, d.Auth)},
		{PatternPaymentSession, PaymentSession(d.Store, d.Auth)},
		{PatternCheckoutSession, CheckoutSession(d.Store, d.Auth)},
		{PatternSessionRecords, SessionRecords(d.Store, d.Auth)},
		{PatternSessionRecord, SessionRecord(d.Store, d.Auth)},
		{PatternCreateAPIKey, CreateAPIKey(d.Store, d.Auth, d.Now)},
		{PatternDeleteAPIKey, DeleteAPIKey(d.Store, d.Auth)},
	}
}
