// Command echo is the function of samlocal's test template. For an HTTP
// event it does what the event's action (the first path segment after
// /do/, or the item id) says; by default it answers the event it received
// and its environment, so tests see exactly what the gateway sent.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	RawPath        string            `json:"rawPath"`
	PathParameters map[string]string `json:"pathParameters"`
	Source         string            `json:"source"`
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var ev event
	_ = json.Unmarshal(raw, &ev)
	if ev.Source != "" {
		fmt.Printf("scheduled event %s\n", raw)
		return map[string]string{"ok": "tick"}, nil
	}
	action := ev.PathParameters["action"]
	if action == "" {
		action = ev.PathParameters["itemId"]
	}
	switch {
	case action == "bare":
		return map[string]string{"hello": "world"}, nil
	case action == "barestring":
		return "Hello from Lambda!", nil
	case action == "binary":
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return map[string]any{"statusCode": 200, "headers": map[string]string{"Content-Type": "application/octet-stream"}, "body": base64.StdEncoding.EncodeToString(b), "isBase64Encoded": true}, nil
	case action == "headers":
		return map[string]any{
			"statusCode":        201,
			"headers":           map[string]string{"X-One": "1", "X-Both": "a", "Content-Length": "999", "Content-Type": "text/plain"},
			"multiValueHeaders": map[string][]string{"X-Many": {"a", "b"}, "X-Both": {"a", "b"}},
			"cookies":           []string{"c1=1; Path=/", "c2=2"},
			"body":              "made",
		}, nil
	case action == "error":
		return nil, errors.New("the function failed")
	case action == "crash":
		os.Exit(3)
	case action == "panic":
		// aws-lambda-go reports a panic as the invocation's error, then
		// ends the runtime process, as it does in Lambda.
		panic("the function panicked")
	case action == "malformed":
		return map[string]any{"statusCode": "many"}, nil
	case action == "large":
		return map[string]any{"statusCode": 200, "body": strings.Repeat("x", 7<<20)}, nil
	case strings.HasPrefix(action, "sleep"):
		d, err := time.ParseDuration(strings.TrimPrefix(action, "sleep"))
		if err != nil {
			return nil, err
		}
		time.Sleep(d)
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	body, _ := json.Marshal(map[string]any{"event": raw, "env": env, "pid": os.Getpid()})
	return map[string]any{"statusCode": 200, "headers": map[string]string{"Content-Type": "application/json"}, "body": string(body)}, nil
}

func main() { lambda.Start(handle) }
