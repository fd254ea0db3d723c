package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweeperProblemsPage: the sweeper's summary metrics that mean
// something is wrong each have an alarm, alike: SweepErrors (a query or
// write failed) and SessionsLeftToPurge (sessions that reached WRITE_GUARD
// of their purge before the sweeper reached them: it is a whole
// RESULT_RETENTION behind, so their EXPIRED was never stored and TTL
// removes them; normally none, since a session is swept within a minute
// of its expiry). A sweeper that falls behind without failing (too slow
// for its backlog) logs no error and fails no invocation; sessions it
// reaches at the edge of its window then cross the line during the run,
// and SessionsLeftToPurge counts them (those that leave the window between
// runs are counted nowhere; the early signal is SweepLagPercent, see
// TestSweeperLagPages). Each
// watches the metric as the summary line emits it (namespace paysessions,
// dimensions Service=expiry-sweeper and FunctionName, this stack's sweeper
// (TestSweeperAlarmsWatchTheirOwnStack); TestAlarmsWatchMetricsTheCodeEmits
// checks that such a metric is emitted), pages on any in 5 minutes, treats
// a minute without a run as nothing wrong (the heartbeat alarm watches
// that), and notifies AlarmTopicArn when it is set, as every alarm of the
// template does.
func TestSweeperProblemsPage(t *testing.T) {
	tpl := readTemplate(t)
	alarms := resourcesOfType(tpl, "AWS::CloudWatch::Alarm")
	notify := `{"Fn::If":["HasAlarmTopic",[{"Ref":"AlarmTopicArn"}],{"Ref":"AWS::NoValue"}]}`
	for id, a := range alarms {
		if got, _ := json.Marshal(apptest.Field("Properties", "AlarmActions")(a)); string(got) != notify {
			t.Errorf("%s: AlarmActions = %s; want %s", id, got, notify)
		}
	}
	for _, metric := range []string{"SweepErrors", "SessionsLeftToPurge"} {
		var found []string
		for id, a := range alarms {
			p := apptest.Field("Properties")(a)
			if apptest.Field("MetricName")(p) != metric {
				continue
			}
			found = append(found, id)
			dims, _ := json.Marshal(apptest.Field("Dimensions")(p))
			if apptest.Field("Namespace")(p) != "paysessions" || string(dims) != `[{"Name":"Service","Value":"expiry-sweeper"},{"Name":"FunctionName","Value":{"Ref":"ExpirySweeperFunction"}}]` ||
				apptest.Field("Statistic")(p) != "Sum" || fmt.Sprint(apptest.Field("Period")(p)) != "300" || fmt.Sprint(apptest.Field("EvaluationPeriods")(p)) != "1" ||
				fmt.Sprint(apptest.Field("Threshold")(p)) != "0" || apptest.Field("ComparisonOperator")(p) != "GreaterThanThreshold" ||
				apptest.Field("TreatMissingData")(p) != "notBreaching" {
				t.Errorf("%s = %+v; want the Sum of paysessions %s (Service=expiry-sweeper, FunctionName of this stack's sweeper) over 5 minutes above 0, missing data not breaching", id, p, metric)
			}
		}
		if len(found) != 1 {
			t.Errorf("alarms on %s: %v; want one", metric, found)
		}
	}
}

// TestSweeperLagPages: the sweeper's lag (SweepLagPercent, from its summary
// line: how old the oldest session it still owes could be, as a share of
// the time it has for a session, RESULT_RETENTION - WRITE_GUARD) pages
// before sessions are lost, whatever the stack's retention: one alarm on
// the percentage, not on milliseconds, since the template admits
// retentions from about a second to a day. It pages when any run in 5
// minutes reported above 50 % (the Maximum, not the Sum of runs' figures),
// treats a minute without a run as nothing wrong (the heartbeat alarm
// watches that) and notifies AlarmTopicArn when it is set
// (TestSweeperProblemsPage checks that of every alarm).
func TestSweeperLagPages(t *testing.T) {
	var found []string
	for id, a := range resourcesOfType(readTemplate(t), "AWS::CloudWatch::Alarm") {
		p := apptest.Field("Properties")(a)
		if apptest.Field("MetricName")(p) != "SweepLagPercent" {
			continue
		}
		found = append(found, id)
		dims, _ := json.Marshal(apptest.Field("Dimensions")(p))
		if apptest.Field("Namespace")(p) != "paysessions" || string(dims) != `[{"Name":"Service","Value":"expiry-sweeper"},{"Name":"FunctionName","Value":{"Ref":"ExpirySweeperFunction"}}]` ||
			apptest.Field("Statistic")(p) != "Maximum" || fmt.Sprint(apptest.Field("Period")(p)) != "300" || fmt.Sprint(apptest.Field("EvaluationPeriods")(p)) != "1" ||
			fmt.Sprint(apptest.Field("Threshold")(p)) != "50" || apptest.Field("ComparisonOperator")(p) != "GreaterThanThreshold" ||
			apptest.Field("TreatMissingData")(p) != "notBreaching" {
			t.Errorf("%s = %+v; want the Maximum of paysessions SweepLagPercent (Service=expiry-sweeper, FunctionName of this stack's sweeper) over 5 minutes above 50, missing data not breaching", id, p)
		}
	}
	if len(found) != 1 {
		t.Errorf("alarms on SweepLagPercent: %v; want one", found)
	}
}

// TestSweeperAlarmsWatchTheirOwnStack: a second stack of the template in
// the account and region (TestTwoStacksFitOneAccount: staging beside
// production) runs a second sweeper, and both write their summary
// metrics to the one namespace, paysessions. "CloudWatch treats each
// unique combination of dimensions as a separate metric" (CloudWatch User
// Guide): with Service=expiry-sweeper alone, the two sweepers' runs are
// one metric, so each stack's alarms on it fire for the other's sweeper
// (a staging stack with a retention of seconds, whose lag alarm pages in
// normal running, pages production), and a Maximum or a Sum hides which
// one is failing. So every alarm on the namespace also names its own
// stack's sweeper: the dimension FunctionName, the function's name, as
// Lambda gives it to the running function (TestAlarmsWatchMetricsTheCodeEmits
// checks that the summary line carries it).
func TestSweeperAlarmsWatchTheirOwnStack(t *testing.T) {
	var checked int
	for id, a := range resourcesOfType(readTemplate(t), "AWS::CloudWatch::Alarm") {
		p := apptest.Field("Properties")(a)
		if apptest.Field("Namespace")(p) != "paysessions" || apptest.Field("MetricName")(p) == "ApiThrottled" {
			continue // AWS's metrics, or the access log's (dimension ApiId, the stack's own API)
		}
		checked++
		dims, _ := json.Marshal(apptest.Field("Dimensions")(p))
		if want := `[{"Name":"Service","Value":"expiry-sweeper"},{"Name":"FunctionName","Value":{"Ref":"ExpirySweeperFunction"}}]`; string(dims) != want {
			t.Errorf("%s: Dimensions = %s; want %s, so that another stack's sweeper does not raise it", id, dims, want)
		}
	}
	if checked == 0 {
		t.Fatal("no alarm on the sweeper's metrics")
	}
}

// TestSweeperSummaryLineHasAHeartbeat: the alarms on the summary line's
// metrics (SweepErrors, SessionsLeftToPurge, SweepLagPercent) treat a
// period without data as nothing wrong, as they must (a minute without a
// run is the heartbeat's to judge), and SweeperHeartbeatAlarm counts the
// function's invocations (AWS/Lambda), not the line. So a sweeper that
// runs, every minute, without error, but whose summary line is never
// written or never becomes metrics (a logger or log-format change that
// wraps or filters it, an EMF document CloudWatch does not take) silences
// all three and pages no one: the sweeper's only signals would be gone
// while every alarm reads OK. One alarm must count the lines themselves:
// the SampleCount of a metric every summary line carries (one per run:
// a healthy run's and a failed run's alike, checked here on real runs),
// under the same dimensions as the others (this stack's sweeper), below 1
// in each of two 5-minute periods, missing data breaching.
func TestSweeperSummaryLineHasAHeartbeat(t *testing.T) {
	// The metrics a summary line carries, namespace paysessions, under the
	// dimensions Service and FunctionName, from one real run against
	// a DynamoDB answering with answer.
	carried := func(answer http.HandlerFunc) (map[string]bool, sweep.Result) {
		srv := httptest.NewServer(answer)
		t.Cleanup(srv.Close)
		db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		sw := sweep.New(store.New(db, "t", session.DefaultPolicy, 2, time.Now), slog.New(slog.NewJSONHandler(&logs, nil)), time.Now)
		sw.FunctionName = "paysessions-ExpirySweeperFunction-1A2B3C4D5E6F"
		res := sw.Run(context.Background())
		out := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var doc map[string]any
			if err := json.Unmarshal([]byte(line), &doc); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			for _, d := range toAnys(apptest.Field("_aws", "CloudWatchMetrics")(doc)) {
				if apptest.Field("Namespace")(d) != "paysessions" {
					continue
				}
				for _, set := range toAnys(apptest.Field("Dimensions")(d)) {
					if fmt.Sprint(toStrings(set)) != "[Service FunctionName]" {
						continue
					}
					for _, m := range toAnys(apptest.Field("Metrics")(d)) {
						out[fmt.Sprint(apptest.Field("Name")(m))] = true
					}
				}
			}
		}
		return out, res
	}
	healthy, ok := carried(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, `{"Items":[],"Count":0,"ScannedCount":0}`)
	})
	// Every query refused (not retried): a run that reads nothing and
	// fails its invocation still writes its line.
	failed, refused := carried(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"com.amazon.coral.validate#ValidationException","message":"refused"}`)
	})
	if !ok.Complete || refused.QueryErrors != 2 {
		t.Fatalf("runs: healthy %+v, refused %+v; want the first complete, both queries of the second failed", ok, refused)
	}
	if len(healthy) == 0 || len(failed) == 0 {
		t.Fatalf("summary metrics: healthy run %v, failed run %v; want some in both", healthy, failed)
	}
	var found []string
	for id, a := range resourcesOfType(readTemplate(t), "AWS::CloudWatch::Alarm") {
		p := apptest.Field("Properties")(a)
		if apptest.Field("Namespace")(p) != "paysessions" || apptest.Field("TreatMissingData")(p) != "breaching" {
			continue
		}
		found = append(found, id)
		name := fmt.Sprint(apptest.Field("MetricName")(p))
		if !healthy[name] || !failed[name] {
			t.Errorf("%s counts %s, which a summary line does not always carry (healthy run %v, failed run %v)", id, name, healthy[name], failed[name])
		}
		dims, _ := json.Marshal(apptest.Field("Dimensions")(p))
		if string(dims) != `[{"Name":"Service","Value":"expiry-sweeper"},{"Name":"FunctionName","Value":{"Ref":"ExpirySweeperFunction"}}]` ||
			apptest.Field("Statistic")(p) != "SampleCount" || fmt.Sprint(apptest.Field("Period")(p)) != "300" ||
			fmt.Sprint(apptest.Field("EvaluationPeriods")(p)) != "2" || fmt.Sprint(apptest.Field("DatapointsToAlarm")(p)) != "2" ||
			fmt.Sprint(apptest.Field("Threshold")(p)) != "1" || apptest.Field("ComparisonOperator")(p) != "LessThanThreshold" {
			t.Errorf("%s = %+v; want the SampleCount of a summary metric (Service=expiry-sweeper, FunctionName of this stack's sweeper) below 1 in two 5-minute periods of two, missing data breaching", id, p)
		}
	}
	if len(found) != 1 {
		t.Errorf("alarms on the summary line with missing data breaching: %v; want one (a sweeper whose summary line is lost silences SweepErrors, SessionsLeftToPurge and SweepLagPercent)", found)
	}
}

func toAnys(v any) []any {
	s, _ := v.([]any)
	return s
}
