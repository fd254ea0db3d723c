// Command floorserver is the load part's second peer: the smallest net/http
// server in front of the same consistent GetItem the service's GET
// /sessions/{id} makes, with the service's DynamoDB client and GC setting. No auth, no
// middleware, no log line, no rendering: a found item is answered with a fixed body. Measured under
// the same load generator as the local server, it shows what the HTTP hop
// alone costs on the machine, apart from anything the service does.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "floorserver:", err)
		os.Exit(1)
	}
}

func run() error {
	// The service's GC setting (GOGC 200 unless set): the peer makes the
	// service's SDK call under the same collector as the service.
	app.TuneGC()
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: os.Getenv("DYNAMODB_ENDPOINT")})
	if err != nil {
		return err
	}
	table := os.Getenv("TABLE_NAME")
	// The answer is a fixed body of 1,017 bytes, so the figure is the hop's
	// and the call's, with no rendering of its own. It is about twice the
	// service's answer to the load part's session (482 bytes of JSON and
	// four more headers, measured 2026-12-02): the bare peer moves a little
	// more, not less, than the service.
	body := []byte(`{"found":true,"padding":"` + strings.Repeat("x", 1000) + `"}`)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		out, err := db.GetItem(r.Context(), &dynamodb.GetItemInput{
			TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			Key: map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + r.PathValue("id")},
				"sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
			},
		})
		if err != nil {
			http.Error(w, "engine error", http.StatusServiceUnavailable)
			return
		}
		if out.Item == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	fmt.Println("floorserver listening on http://127.0.0.1:" + os.Getenv("PORT"))
	return http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux)
}
