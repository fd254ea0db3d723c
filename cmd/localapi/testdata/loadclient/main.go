// Command loadclient is TestLoad's 64 clients: it creates sessions, then
// reads them across the endpoints, on the local server at -base, and
// prints what it saw as one JSON object (the ids created, the errors) for
// the test to judge. It is built without the race detector, as the server
// is: under -race the clients' own HTTP stack cost about as much CPU as
// the server they load, and it is not what the test measures.
//
// A 503 with Retry-After is retried after it, as README tells a client to.
// 64 clients on a machine loaded past its cores (r104-flakes8: two CPU
// hogs and other test processes on 2 cores) get some creates answered past
// their function's 10 s Timeout, 503 as on AWS: counted as errors, 145 of
// 10,000 failed the test on the load alone. A create carries no
// Idempotency-Key (a keyed create is a transaction, not the one PutItem
// the test loads): one retried is a new create, and the first try, if it
// landed, a session of the day no create answered, which the test's
// counts (of the ids answered) leave out. A 503 without Retry-After, or a
// tenth 503 in a row, is an error.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what the run saw: IDs[i] is the id the i-th create answered
// ("" if it failed), Errors counts every failed or unexpected answer,
// FirstError describes the first.
type Result struct {
	IDs          []string
	Errors       int64
	Retried      int64 // 503s with Retry-After, retried
	FirstError   string
	CreateMillis int64
	ReadMillis   int64
}

func main() {
	base := flag.String("base", "", "the server's base URL")
	token := flag.String("token", "", "a bearer token for the merchant")
	merchant := flag.String("merchant", "", "the token's merchant (X-Merchant-Id)")
	clients := flag.Int("clients", 64, "concurrent clients")
	creates := flag.Int("creates", 10_000, "sessions to create")
	reads := flag.Int("reads", 50_000, "reads, spread over the created sessions and the endpoints")
	flag.Parse()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients}, Timeout: 30 * time.Second}
	var errors atomic.Int64
	var firstErr atomic.Value
	fail := func(msg string) {
		errors.Add(1)
		firstErr.CompareAndSwap(nil, msg)
	}
	var retried atomic.Int64
	const maxTries = 10
	// call sends the request until it is answered other than 503 with
	// Retry-After (maxTries at most), and checks the last answer.
	call := func(method, path, body string, want int) []byte {
		for try := 1; ; try++ {
			var rd io.Reader
			if body != "" {
				rd = strings.NewReader(body)
			}
			req, _ := http.NewRequest(method, *base+path, rd)
			req.Header.Set("Authorization", "Bearer "+*token)
			req.Header.Set("X-Merchant-Id", *merchant)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := client.Do(req)
			if err != nil {
				fail(err.Error())
				return nil
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if wait, err := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode == http.StatusServiceUnavailable && err == nil && wait >= 0 && try < maxTries {
				retried.Add(1)
				time.Sleep(time.Duration(min(wait, 5)) * time.Second)
				continue
			}
			if res.StatusCode != want {
				fail(fmt.Sprintf("%s %s = %d %s (try %d)", method, path, res.StatusCode, b, try))
			}
			return b
		}
	}
	run := func(n int, op func(i int)) time.Duration {
		start := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for c := 0; c < *clients; c++ {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					op(i)
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}

	ids := make([]string, *creates)
	tookCreates := run(*creates, func(i int) {
		b := call("POST", "/sessions", fmt.Sprintf(`{"amount":%d,"currency":"EUR","orderId":"load-%d"}`, i, i), http.StatusCreated)
		var s struct{ ID string }
		if json.Unmarshal(b, &s) == nil {
			ids[i] = s.ID
		}
	})

	paths := []string{"/sessions/%s", "/v1/session/%s", "/v2.0/payments/%s/status", "/v1/checkout-sessions/%s", "/pps/api/v1/session-record/%s"}
	tookReads := run(*reads, func(i int) {
		id := ids[i%*creates] // the first creates reads read every session once
		if id == "" {
			return
		}
		b := call("GET", fmt.Sprintf(paths[i%len(paths)], id), "", http.StatusOK)
		if b != nil && !strings.Contains(string(b), id) {
			fail("a read answered another session: " + string(b))
		}
	})

	r := Result{IDs: ids, Errors: errors.Load(), Retried: retried.Load(), CreateMillis: tookCreates.Milliseconds(), ReadMillis: tookReads.Milliseconds()}
	if s, ok := firstErr.Load().(string); ok {
		r.FirstError = s
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		fmt.Fprintln(os.Stderr, "loadclient:", err)
		os.Exit(1)
	}
}
