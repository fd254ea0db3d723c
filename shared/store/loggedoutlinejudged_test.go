package store_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestLoggedErrorOutlineIsJudgedWhole: README, Security: "a token, key,
// secret or card number never reaches a log". The outline a redacted
// error's line names is judged part by part (shownCode), but its parts
// are joined: an answer that is not DynamoDB's canceling a transaction
// with reasons 4111, 1111, 1111 and 1111 (each no card number) and a
// message quoting psk_ was logged "cancellation reasons [4111 1111 1111
// 1111]", a card number written in groups (r93-review2). The outline as
// joined is judged; one that holds a secret is left out.
func TestLoggedErrorOutlineIsJudgedWhole(t *testing.T) {
	for _, msg := range []string{"psk_x", "Value 'x'"} {
		err := sdkError("TransactWriteItems", 400, &ddb.TransactionCanceledException{
			Message: aws.String(msg),
			CancellationReasons: []ddb.CancellationReason{
				{Code: aws.String("4111")}, {Code: aws.String("1111")}, {Code: aws.String("1111")}, {Code: aws.String("1111")},
			},
		})
		got := store.LoggedError(session.Unavailable(err))
		if !strings.HasPrefix(got, "[redacted]") {
			t.Fatalf("%s: LoggedError = %q; want [redacted]", msg, got)
		}
		if session.HoldsCardNumber(got) {
			t.Errorf("%s: LoggedError = %q holds a card number", msg, got)
		}
	}
}
