// Command create-session is the Lambda of POST /sessions.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

func main() {
	a := app.MustLoadAPI(context.Background())
	lambda.Start(a.MustRoute(httpapi.PatternCreateSession))
}
