package session

// Status is a canonical session status (docs/design.md §4).
type Status string

// The 13 canonical statuses.
const (
	// Open: the buyer or processor is still working; subject to expiry.
	Created         Status = "CREATED"
	Processing      Status = "PROCESSING"
	Sent            Status = "SENT"
	RequestReceived Status = "REQUEST_RECEIVED"
	RequiresAction  Status = "REQUIRES_ACTION"
	OTPPending      Status = "OTP_PENDING"

	// Closed.
	Authorised                 Status = "AUTHORISED"
	Settled                    Status = "SETTLED"
	Failed                     Status = "FAILED"
	CancelRequested            Status = "CANCEL_REQUESTED"
	Canceled                   Status = "CANCELED"
	Expired                    Status = "EXPIRED"
	FraudCancellationRequested Status = "FRAUD_CANCELLATION_REQUESTED"
)

// Statuses lists every canonical status, open ones first.
var Statuses = []Status{
	Created, Processing, Sent, RequestReceived, RequiresAction, OTPPending,
	Authorised, Settled, Failed, CancelRequested, Canceled, Expired, FraudCancellationRequested,
}

// Valid reports whether s is one of the canonical statuses.
func (s Status) Valid() bool {
	switch s {
	case Created, Processing, Sent, RequestReceived, RequiresAction, OTPPending,
		Authorised, Settled, Failed, CancelRequested, Canceled, Expired, FraudCancellationRequested:
		return true
	}
	return false
}

// Open reports whether s is an open status: the session is still in progress
// and subject to expiry.
func (s Status) Open() bool {
	switch s {
	case Created, Processing, Sent, RequestReceived, RequiresAction, OTPPending:
		return true
	}
	return false
}

// Final reports whether no transition leaves s.
func (s Status) Final() bool {
	return s == Failed || s == Canceled || s == Expired
}

// closedTransitions lists where each closed status may go (docs/design.md §4).
var closedTransitions = map[Status][]Status{
	Authorised:                 {Settled, CancelRequested, Canceled, Failed, FraudCancellationRequested},
	Settled:                    {FraudCancellationRequested},
	CancelRequested:            {Canceled, Authorised},
	FraudCancellationRequested: {Canceled},
}

// CanTransition reports whether a session may move from one status to another
// by a processor event or a merchant action. EXPIRED is never a target: only
// the system sets it, when time runs out.
func CanTransition(from, to Status) bool {
	if !to.Valid() || to == Expired {
		return false
	}
	if from.Open() {
		switch to {
		case Authorised, Settled, Failed, Canceled:
			return true
		}
		return to.Open()
	}
	for _, s := range closedTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}
