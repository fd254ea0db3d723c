package store

import (
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/paysessions/paysessions/shared/session"
)

// TestClassifyUnnamedRefusal: refusedByDynamoDB, "a 4xx that names none
// ({}, a proxy's {"message":"Forbidden"}) is not its answer and gives no
// verdict" — the SDK's "UnknownError" for such an answer is EUNAVAILABLE
// (503), a 4xx naming an error EINTERNAL (500), on classify alone: the
// client's refuseForeignAnswers makes such an answer unreadable before
// classify sees it, so the store's tests reach this rule only here.
func TestClassifyUnnamedRefusal(t *testing.T) {
	answer := func(status int, code string) error {
		return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "GetItem", Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: &smithy.GenericAPIError{Code: code, Message: "m"}},
		}}
	}
	for _, tt := range []struct {
		name string
		err  error
		want session.Code
	}{
		{"400 naming ValidationException", answer(400, "ValidationException"), session.EINTERNAL},
		{"400 naming none (UnknownError)", answer(400, "UnknownError"), session.EUNAVAILABLE},
		{"403 naming none (UnknownError)", answer(403, "UnknownError"), session.EUNAVAILABLE},
		{"500 naming ValidationException", answer(500, "ValidationException"), session.EUNAVAILABLE},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := session.ErrorCode(classify(tt.err)); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}
