// Command session-v1 is the Lambda of GET /v1/session/{sessionGuid} (document 000).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

func main() {
	a := app.MustLoadAPI(context.Background())
	lambda.Start(a.MustRoute(httpapi.PatternV1Session))
}
