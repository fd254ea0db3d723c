// Command cancel-session is the Lambda of POST /sessions/{sessionId}/cancel.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

func main() {
	a := app.MustLoadAPI(context.Background())
	lambda.Start(a.MustRoute(httpapi.PatternCancelSession))
}
