// Command create-api-key is the Lambda of POST /api-keys.
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
	lambda.Start(a.Lambda(httpapi.Route{Pattern: httpapi.PatternCreateAPIKey, Handler: httpapi.CreateAPIKey(a.Store, a.Auth, a.Now)}))
}
