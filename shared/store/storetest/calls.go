package storetest

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
)

// CallCounter counts DynamoDB calls by operation, with an SDK middleware
// (store.ClientOptions.APIOptions). A call is counted once, whatever its
// retries. A read that could be consistent but is not (a GetItem, or a
// BatchGetItem with a table read without ConsistentRead) is named with
// " (eventually consistent)" after its operation, so that a count of
// "GetItem" is a count of consistent reads.
type CallCounter struct {
	mu    sync.Mutex
	calls []string
}

// APIOption is the middleware to pass in store.ClientOptions.APIOptions.
func (c *CallCounter) APIOption(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.calls = append(c.calls, awsmiddleware.GetOperationName(ctx)+consistency(in.Parameters))
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

// Take returns the operations called since the last Take, in order, and
// starts counting afresh.
func (c *CallCounter) Take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

// consistency is what CallCounter adds to the name of a read that could be
// consistent and is not.
func consistency(params any) string {
	eventual := " (eventually consistent)"
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		if in.ConsistentRead == nil || !*in.ConsistentRead {
			return eventual
		}
	case *dynamodb.BatchGetItemInput:
		for _, ka := range in.RequestItems {
			if ka.ConsistentRead == nil || !*ka.ConsistentRead {
				return eventual
			}
		}
	}
	return ""
}
