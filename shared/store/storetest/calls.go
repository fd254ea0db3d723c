package storetest

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// CallCounter counts DynamoDB calls by operation, with an SDK middleware
// (store.ClientOptions.APIOptions). A call is counted once, whatever its
// retries.
type CallCounter struct {
	mu    sync.Mutex
	calls []string
}

// APIOption is the middleware to pass in store.ClientOptions.APIOptions.
func (c *CallCounter) APIOption(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.calls = append(c.calls, awsmiddleware.GetOperationName(ctx))
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
