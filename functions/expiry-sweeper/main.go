// Command expiry-sweeper is the Lambda EventBridge Scheduler runs every
// minute to persist expiries (package sweep).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/sweep"
)

func main() {
	a := app.MustLoadSweeper(context.Background())
	lambda.Start(sweep.New(a.Store, a.Logger, a.Now).Handle)
}
