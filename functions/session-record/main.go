// Command session-record is the Lambda of GET /pps/api/v1/session-record/{sessionId} (document 004).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

func main() {
	a := app.MustLoadAPI(context.Background())
	lambda.Start(a.MustRoute(httpapi.PatternSessionRecord))
}
