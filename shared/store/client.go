package store

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
)

// Retry policy of the DynamoDB client, chosen deliberately:
//
//   - the standard retryer (exponential backoff with full jitter; retries
//     throttling, 5xx, timeouts and broken connections), not the adaptive
//     one: a Lambda container serves one request at a time, so client-side
//     rate adaptation has nothing to pace;
//   - 5 attempts with at most 500 ms between them, so a request gives up in
//     well under the API's 10 s function timeout and answers 503 with
//     Retry-After instead of timing out at API Gateway;
//   - no client-side retry quota (ratelimit.None): the default token bucket
//     empties under a sustained fault rate and then fails requests long after
//     the faults end; DynamoDB's own throttling already protects the table;
//   - each attempt is cut off after 3 s (a hung connection is retried, not
//     waited on).
const (
	maxAttempts    = 5
	maxBackoff     = 500 * time.Millisecond
	attemptTimeout = 3 * time.Second
)

// ClientOptions configure NewClient.
type ClientOptions struct {
	// Endpoint is DYNAMODB_ENDPOINT: a local engine's URL, empty in AWS.
	Endpoint string
	// HTTPClient replaces the SDK's HTTP client (tests inject faults here).
	HTTPClient aws.HTTPClient
	// MaxAttempts overrides the retry attempts (tests); 0 keeps the default.
	MaxAttempts int
	// APIOptions add middleware to every call (tests count calls with it).
	APIOptions []func(*middleware.Stack) error
}

// NewClient builds the DynamoDB client once per process. With an endpoint
// (a local engine) it uses that URL, fixed local credentials unless AWS
// credentials are set, and us-east-1 unless a region is set. It makes no
// network call.
func NewClient(ctx context.Context, o ClientOptions) (*dynamodb.Client, error) {
	attempts := maxAttempts
	if o.MaxAttempts > 0 {
		attempts = o.MaxAttempts
	}
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(attemptTimeout)),
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = attempts
				so.MaxBackoff = maxBackoff
				so.RateLimiter = ratelimit.None
			})
		}),
	}
	if o.Endpoint != "" {
		if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			opts = append(opts, awsconfig.WithRegion("us-east-1"))
		}
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
			opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return dynamodb.NewFromConfig(cfg, func(do *dynamodb.Options) {
		// A caller's client is set here, after the config is loaded: the
		// loader can only apply settings such as AWS_CA_BUNDLE to its own
		// buildable client.
		if o.HTTPClient != nil {
			do.HTTPClient = o.HTTPClient
		}
		do.APIOptions = append(do.APIOptions, o.APIOptions...)
		if o.Endpoint != "" {
			do.BaseEndpoint = aws.String(o.Endpoint)
			// DynamoDB Local sends no x-amz-crc32 header on error responses,
			// and the SDK then logs a spurious checksum warning for every
			// refused conditional write (aws-sdk-go-v2 issue #3545). Real
			// DynamoDB sends the header, so validation stays on in AWS.
			do.DisableValidateResponseChecksum = true
		}
	}), nil
}
