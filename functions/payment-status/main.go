// Command payment-status is the Lambda of GET /v2.0/payments/{paymentId}/status (document 001).
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
	lambda.Start(a.Lambda(httpapi.Route{Pattern: httpapi.PatternPaymentStatus, Handler: httpapi.PaymentStatus(a.Store, a.Auth)}))
}
