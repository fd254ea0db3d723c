// Command hello is the reference for cold-start measurements: the smallest
// aws-lambda-go function, built exactly as the service's functions are.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, map[string]any) (string, error) { return "hello", nil })
}
