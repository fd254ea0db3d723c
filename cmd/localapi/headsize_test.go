package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// wireHead is a request head as the test writes it on the wire: its
// request line's parts, and its fields in order, each value written as
// given (white space around it included).
type wireHead struct {
	method, target string
	fields         [][2]string
}

// counted is the head's size as HTTP APIs' quota words it, "Total combined
// size of request line and header values" (httpapi.GatewayHeadSize): the
// request line without its CRLF (method SP request-target SP
// HTTP-version), and each field's value without the white space around it;
// no field name, colon or line end.
func (h wireHead) counted() int {
	n := len(h.method) + 1 + len(h.target) + 1 + len("HTTP/1.1")
	for _, f := range h.fields {
		n += len(strings.Trim(f[1], " \t"))
	}
	return n
}

func (h wireHead) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", h.method, h.target)
	for _, f := range h.fields {
		fmt.Fprintf(&b, "%s:%s\r\n", f[0], f[1])
	}
	b.WriteString("\r\n")
	return b.String()
}

// TestRequestHeadOverAPIGatewaysQuotaIs431 sends, to the local server and
// to make start-api's stack, requests whose request line and header values
// add up to exactly HTTP APIs' quota (10240 bytes, "Total combined size of
// request line and header values | 10240 bytes | No", the HTTP API quotas
// page: it cannot be increased) and to one byte more, the bytes spread in
// different ways. At the quota each reaches its route and answers as any
// such request does; one byte over, API Gateway refuses it itself, before
// any function runs, in its own shape: 431 {"message":"Request Header
// Fields Too Large"} (the status and body are this service's choice; what
// API Gateway answers is not documented). Both servers once read up to
// Go's default 1 MiB of head and served every one of them, so a client
// with a large bearer token or cookies worked locally and failed once
// deployed.
//
// A field's name, its colon and the line ends are not counted, and the
// one row whose names and separators alone add some 18 KB to the head
// would fail if a server's http.Server.MaxHeaderBytes, which counts every
// byte of the head (and adds 4096 of slack), were set near the quota:
// Go's own plain-text 431 would answer instead of the route.
func TestRequestHeadOverAPIGatewaysQuotaIs431(t *testing.T) {
	const quota = 10240
	diff := apitarget.NewDiff("hcpToken")
	apitarget.Run(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		host := strings.TrimPrefix(tg.URL, "http://")
		tok := mint(t, tg.URL, "merchant_id=m-1")
		id := client{t, tg.URL, tok}.create(`{"amount":1,"currency":"EUR"}`)
		const gateway = "gateway" // API Gateway's own 404
		// Each row's head holds pad bytes of padding where the row puts
		// them; the test finds the pad that makes the head count n.
		base := func(method, target string, fields ...string) wireHead {
			h := wireHead{method: method, target: target}
			h.fields = append(h.fields, [2]string{"Host", " " + host}, [2]string{"Connection", " close"}, [2]string{"Authorization", " Bearer " + tok})
			for i := 0; i+1 < len(fields); i += 2 {
				h.fields = append(h.fields, [2]string{fields[i], fields[i+1]})
			}
			return h
		}
		split := func(h wireHead, pad, parts int, name string) wireHead {
			for i := range parts {
				n := pad / parts
				if i == 0 {
					n += pad % parts
				}
				h.fields = append(h.fields, [2]string{fmt.Sprintf(name, i), " " + strings.Repeat("a", n)})
			}
			return h
		}
		const create = `{"amount":1,"currency":"EUR"}`
		chunked := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(create), create)
		tests := []struct {
			name   string
			head   func(pad int) wireHead
			body   string
			status int    // the answer at the quota
			code   string // its error code, or gateway
		}{
			{"a read, padded across four headers", func(pad int) wireHead {
				return split(base("GET", "/sessions/"+id), pad, 4, "X-Pad-%d")
			}, "", 200, ""},
			{"a read, padded in the query", func(pad int) wireHead {
				return base("GET", "/sessions/"+id+"?pad="+strings.Repeat("a", pad))
			}, "", 200, ""},
			{"a path no route matches, padded in the path", func(pad int) wireHead {
				return base("GET", "/sessions/"+id+"/"+strings.Repeat("a", pad))
			}, "", 404, gateway},
			{"a read with 400 headers: names, colons and line ends not counted", func(pad int) wireHead {
				return split(base("GET", "/sessions/"+id), pad, 400, "X-Padding-Header-With-A-Long-Name-%03d")
			}, "", 200, ""},
			{"a read, white space around a value not counted", func(pad int) wireHead {
				return base("GET", "/sessions/"+id, "X-Pad", " \t  "+strings.Repeat("a", pad)+"\t \t")
			}, "", 200, ""},
			{"a chunked create: Transfer-Encoding's value counted", func(pad int) wireHead {
				return split(base("POST", "/sessions", "Content-Type", " application/json", "Transfer-Encoding", " chunked"), pad, 2, "X-Pad-%d")
			}, chunked, 201, ""},
			{"a lower-case method, counted as sent", func(pad int) wireHead {
				return split(base("get", "/sessions/"+id), pad, 3, "X-Pad-%d")
			}, "", 200, ""},
			{"the development issuer's token path", func(pad int) wireHead {
				return split(base("GET", "/local/token?ttl=x"), pad, 2, "X-Pad-%d")
			}, "", 400, "VALIDATION_FAILED"},
			{"a read, a value of UTF-8 and obs-text counted in bytes, not characters", func(pad int) wireHead {
				return base("GET", "/sessions/"+id, "X-Pad", " "+strings.Repeat("é", pad/2)+strings.Repeat("\xff", pad%2))
			}, "", 200, ""},
		}
		for _, tt := range tests {
			for _, n := range []int{quota, quota + 1} {
				pad := n - tt.head(0).counted()
				h := tt.head(pad)
				if got := h.counted(); got != n {
					t.Fatalf("%s: the head counts %d; want %d", tt.name, got, n)
				}
				name := fmt.Sprintf("%s, %d bytes", tt.name, n)
				res, raw := rawRoundTrip(t, tg.URL, strings.ToUpper(h.method), h.String()+tt.body)
				diff.Add(k, name, res.StatusCode, res.Header, raw)
				if n > quota {
					if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || string(raw) != httpapi.GatewayHeaderTooLarge || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("X-Request-Id") != "" {
						t.Errorf("%s: %d %v %s; want API Gateway's own 431 %s, application/json, none of the service's headers", name, res.StatusCode, res.Header, raw, httpapi.GatewayHeaderTooLarge)
					}
					continue
				}
				if res.StatusCode != tt.status {
					t.Errorf("%s: %d %s; want %d", name, res.StatusCode, raw, tt.status)
					continue
				}
				switch tt.code {
				case gateway:
					if string(raw) != httpapi.GatewayNotFound {
						t.Errorf("%s: %s; want API Gateway's own %s", name, raw, httpapi.GatewayNotFound)
					}
				case "":
				default:
					if !strings.Contains(string(raw), `"code":"`+tt.code+`"`) {
						t.Errorf("%s: body %s; want the code %s", name, raw, tt.code)
					}
				}
			}
		}

		// On one kept-alive connection, the requests sent one after another
		// without waiting (pipelined) are each counted on their own: the one
		// over the quota between two at it is refused, and neither of the
		// others is.
		keptAlive := func(n int) string {
			h := base("GET", "/sessions/"+id)
			h.fields = slices.DeleteFunc(h.fields, func(f [2]string) bool { return f[0] == "Connection" })
			return split(h, n-h.counted(), 2, "X-Pad-%d").String()
		}
		answers := pipelined(t, tg.URL, http.MethodGet, keptAlive(quota)+keptAlive(quota+1)+keptAlive(quota))
		for i, want := range []int{200, 431, 200} {
			name := fmt.Sprintf("a kept-alive connection's request %d of 3", i+1)
			if i >= len(answers) {
				t.Errorf("%s: no answer; want %d", name, want)
				continue
			}
			diff.Add(k, name, answers[i].status, answers[i].header, answers[i].body)
			if answers[i].status != want {
				t.Errorf("%s: %d %s; want %d", name, answers[i].status, answers[i].body, want)
			}
		}
	})
	diff.Check(t)
}

// pipelinedAnswer is one answer read by pipelined.
type pipelinedAnswer struct {
	status int
	header http.Header
	body   []byte
}

// pipelined writes reqs (requests of method, one after another) on one
// connection at once and reads the answers until the server closes it or
// the answers end.
func pipelined(t *testing.T, base, method, reqs string) []pipelinedAnswer {
	t.Helper()
	c := sendRaw(t, base, reqs)
	defer c.Close()
	br := bufio.NewReader(c)
	var out []pipelinedAnswer
	for n := strings.Count(reqs, " HTTP/1.1\r\n"); len(out) < n; {
		res, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return out
		}
		raw, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("reading answer %d: %v", len(out)+1, err)
		}
		out = append(out, pipelinedAnswer{res.StatusCode, res.Header, raw})
	}
	return out
}

// TestGatewayHeadSizeAllocatesNothing: the count is on every request's
// path of make run (asDelivered), so it reads the parsed head in place.
func TestGatewayHeadSizeAllocatesNothing(t *testing.T) {
	head := "POST /sessions?x=1 HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nAuthorization: Bearer eyJ.x.y\r\n" +
		"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nAccept: */*\r\nAccept: text/plain\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head)))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Del("Host") // as Go's server hands it to a handler
	if got := testing.AllocsPerRun(10, func() { httpapi.GatewayHeadSize(r) }); got != 0 {
		t.Errorf("allocations per count: got %v; want 0", got)
	}
}
