package store_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// dynamoError is an error as the SDK returns a DynamoDB error answer:
// the operation, the HTTP status and request id, and DynamoDB's code and
// message.
func dynamoError(op string, status int, code, msg string) error {
	return sdkError(op, status, &smithy.GenericAPIError{Code: code, Message: msg})
}

func sdkError(op string, status int, apiErr error) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      apiErr,
		},
		RequestID: "REQ-1",
	}}
}

// TestLoggedErrorKeepsCleanTextAndOutlinesTheRest: README, Security: "A
// 5xx's log line carries its error's text only when that text holds no
// card number, API key (`psk_`) or JWT (`eyJ`) and no DynamoDB message with
// a quote mark, else `[redacted]`, the error's code and reason, and what
// AWS put in it (the DynamoDB operation, HTTP status, request id and error
// code)". A clean text is kept as it is, however deep the chain (wrapped,
// joined); a DynamoDB message with a quote anywhere in the chain is
// redacted, and the line then names what AWS put in the error.
func TestLoggedErrorKeepsCleanTextAndOutlinesTheRest(t *testing.T) {
	quoting := dynamoError("PutItem", 400, "ValidationException", "1 validation error detected: Value 'x' at 'item' failed to satisfy constraint")
	clean := dynamoError("GetItem", 500, "InternalServerError", "Internal server error")
	canceled := sdkError("TransactWriteItems", 400, &ddb.TransactionCanceledException{
		Message:             aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]: Value 'x'"),
		CancellationReasons: []ddb.CancellationReason{{Code: aws.String("None")}, {Code: aws.String("ValidationError"), Message: aws.String("Value 'x'")}},
	})
	tests := []struct {
		name     string
		err      error
		redacted bool
		outline  []string // what the redacted text must name
	}{
		{"a plain error", session.Unavailable(errors.New("read session: connection reset")), false, nil},
		{"a coded error without a cause", session.Errorf(session.EINTERNAL, session.ReasonInternal, "no cause"), false, nil},
		{"wrapped twice", fmt.Errorf("list: %w", fmt.Errorf("shard 3: %w", session.Unavailable(errors.New("timeout")))), false, nil},
		{"DynamoDB's message without a quote", session.Unavailable(clean), false, nil},
		{"joined clean errors", errors.Join(errors.New("shard 1: timeout"), session.Unavailable(clean)), false, nil},
		{"DynamoDB's message quoting a value", session.Internal(quoting), true,
			[]string{"operation error DynamoDB: PutItem", "StatusCode: 400, RequestID: REQ-1", "api error ValidationException"}},
		{"the quoting one joined beside a clean one", errors.Join(errors.New("shard 1: timeout"), session.Internal(quoting)), true,
			[]string{"operation error DynamoDB: PutItem", "RequestID: REQ-1", "api error ValidationException"}},
		{"a canceled transaction quoting a value", session.Internal(canceled), true,
			[]string{"operation error DynamoDB: TransactWriteItems", "api error TransactionCanceledException", "cancellation reasons [None ValidationError]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := store.LoggedError(tt.err)
			if isRedacted := strings.HasPrefix(got, "[redacted]"); isRedacted != tt.redacted {
				t.Fatalf("LoggedError() = %q: got redacted %v; want %v", got, isRedacted, tt.redacted)
			}
			if !tt.redacted && got != tt.err.Error() {
				t.Errorf("LoggedError() = %q; want the error's own text %q", got, tt.err.Error())
			}
			if tt.redacted && strings.Contains(got, "Value 'x'") {
				t.Errorf("LoggedError() = %q; want DynamoDB's quoting message left out", got)
			}
			for _, part := range tt.outline {
				if !strings.Contains(got, part) {
					t.Errorf("LoggedError() = %q; want it to name %q", got, part)
				}
			}
		})
	}
}
