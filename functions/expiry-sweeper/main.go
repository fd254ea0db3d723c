// Command expiry-sweeper is the Lambda EventBridge Scheduler runs every
// minute to persist expiries (package sweep).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/sweep"
)

func main() {
	a := app.MustLoadSweeper(context.Background())
	sw := sweep.New(a.Store, a.Logger, a.Now)
	// Its metrics are this stack's own (template.yaml's sweeper alarms).
	sw.FunctionName = lambdacontext.FunctionName
	lambda.Start(sw.Handle)
}
