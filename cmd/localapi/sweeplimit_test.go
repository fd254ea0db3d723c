package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/localserver"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestSweepRunIsLimitedToOneInterval: README, "on `make run`'s timer,
// whose runs are limited to one `SWEEP_INTERVAL`". Behind an engine whose
// every Query hangs, a run started by hand (which takes its turn after the
// timer's) ends with its interval, 1 s here: within a few intervals, not
// the store's retries' worth.
func TestSweepRunIsLimitedToOneInterval(t *testing.T) {
	engine, err := url.Parse(storetest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	forward := storetest.ReverseProxy(engine)
	hanging := func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".Query") {
			<-r.Context().Done() // the caller gave up
			return
		}
		forward.ServeHTTP(w, r)
	}
	proxy := &http.Server{Handler: http.HandlerFunc(hanging)}
	ln := listener(t)
	go func() { _ = proxy.Serve(ln) }()
	t.Cleanup(func() { proxy.Close() })

	vars := map[string]string{
		"DYNAMODB_ENDPOINT": "http://" + ln.Addr().String(),
		"TABLE_NAME":        fmt.Sprintf("localapi-%d-%d", os.Getpid(), time.Now().UnixNano()),
		"SWEEP_INTERVAL":    "1s",
	}
	s, err := localserver.Start(context.Background(), localserver.Options{
		Getenv: func(k string) string { return vars[k] }, Out: io.Discard, Log: io.Discard, Listener: listener(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	s.Sweep(context.Background())
	// Its turn (the timer's run, up to 1 s) and its own run (1 s).
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a sweep behind a hanging engine took %v; want it ended by its SWEEP_INTERVAL of 1s", took)
	}
}
