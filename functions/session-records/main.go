// Command session-records is the Lambda of GET /pps/api/v1/session-record?createdDate= (document 004, list).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

func main() {
	a := app.MustLoadAPI(context.Background())
	lambda.Start(a.MustRoute(httpapi.PatternSessionRecords))
}
