package samlocal

import (
	"net"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// accessRecord is what the access log says of one request.
type accessRecord struct {
	requestID          string
	start              time.Time
	r                  *http.Request
	routeKey           string
	integrated         bool
	integrationLatency time.Duration
	integrationStatus  int
	integrationError   string
	errorMessage       string
}

// countingWriter remembers the status and counts the body.
type countingWriter struct {
	http.ResponseWriter
	status int
	n      int
}

func (c *countingWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(b)
	c.n += n
	return n, err
}

var contextVariable = regexp.MustCompile(`\$context\.[A-Za-z0-9_.]*[A-Za-z0-9_]`)

// logAccess writes the request's access log line in the format template.yaml
// gives the HTTP API (AccessLogSettings.Format), its $context variables
// filled in as API Gateway fills them; a variable without a value is "-",
// as in API Gateway's logs.
func (s *Stack) logAccess(rec *accessRecord, w *countingWriter) {
	format := s.Template.AccessLogFormat
	if format == "" {
		return
	}
	sourceIP, _, err := net.SplitHostPort(rec.r.RemoteAddr)
	if err != nil {
		sourceIP = rec.r.RemoteAddr
	}
	vals := map[string]string{
		"$context.requestId":                     rec.requestID,
		"$context.extendedRequestId":             rec.requestID,
		"$context.apiId":                         s.gw.apiID,
		"$context.accountId":                     s.gw.accountID,
		"$context.stage":                         "$default",
		"$context.identity.sourceIp":             sourceIP,
		"$context.identity.userAgent":            rec.r.UserAgent(),
		"$context.requestTime":                   rec.start.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		"$context.requestTimeEpoch":              strconv.FormatInt(rec.start.UnixMilli(), 10),
		"$context.httpMethod":                    rec.r.Method,
		"$context.path":                          rec.r.URL.EscapedPath(),
		"$context.protocol":                      rec.r.Proto,
		"$context.routeKey":                      rec.routeKey,
		"$context.status":                        strconv.Itoa(w.status),
		"$context.responseLength":                strconv.Itoa(w.n),
		"$context.responseLatency":               strconv.FormatInt(time.Since(rec.start).Milliseconds(), 10),
		"$context.error.message":                 rec.errorMessage,
		"$context.integrationErrorMessage":       rec.integrationError,
		"$context.integration.error":             rec.integrationError,
		"$context.integration.integrationStatus": "",
	}
	if rec.integrated {
		vals["$context.integrationLatency"] = strconv.FormatInt(rec.integrationLatency.Milliseconds(), 10)
		vals["$context.integration.latency"] = vals["$context.integrationLatency"]
	}
	if rec.integrationStatus != 0 {
		vals["$context.integrationStatus"] = strconv.Itoa(rec.integrationStatus)
		vals["$context.integration.status"] = vals["$context.integrationStatus"]
	}
	line := contextVariable.ReplaceAllStringFunc(format, func(v string) string {
		if s := vals[v]; s != "" {
			return jsonEscape(s)
		}
		return "-"
	})
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = s.log.Write([]byte("access  " + line + "\n"))
}

// jsonEscape makes s safe inside the format's JSON strings.
func jsonEscape(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
