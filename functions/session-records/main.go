// Command session-records is the Lambda of GET /pps/api/v1/session-record?createdDate= (document 004, list).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

func main() {
	cfg, err := app.LoadAPIConfig()
	if err != nil {
		app.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		app.Fatal(err)
	}
	lambda.Start(a.Lambda(httpapi.Route{Pattern: httpapi.PatternSessionRecords, Handler: httpapi.SessionRecords(a.Store, a.Auth)}))
}
