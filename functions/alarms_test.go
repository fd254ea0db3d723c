package functions_test

import (
	"encoding/json"
	"fmt"
	"testing"
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
		if got, _ := json.Marshal(get(a, "Properties", "AlarmActions")); string(got) != notify {
			t.Errorf("%s: AlarmActions = %s; want %s", id, got, notify)
		}
	}
	for _, metric := range []string{"SweepErrors", "SessionsLeftToPurge"} {
		var found []string
		for id, a := range alarms {
			p := get(a, "Properties")
			if get(p, "MetricName") != metric {
				continue
			}
			found = append(found, id)
			dims, _ := json.Marshal(get(p, "Dimensions"))
			if get(p, "Namespace") != "paysessions" || string(dims) != `[{"Name":"Service","Value":"expiry-sweeper"},{"Name":"FunctionName","Value":{"Ref":"ExpirySweeperFunction"}}]` ||
				get(p, "Statistic") != "Sum" || fmt.Sprint(get(p, "Period")) != "300" || fmt.Sprint(get(p, "EvaluationPeriods")) != "1" ||
				fmt.Sprint(get(p, "Threshold")) != "0" || get(p, "ComparisonOperator") != "GreaterThanThreshold" ||
				get(p, "TreatMissingData") != "notBreaching" {
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
		p := get(a, "Properties")
		if get(p, "MetricName") != "SweepLagPercent" {
			continue
		}
		found = append(found, id)
		dims, _ := json.Marshal(get(p, "Dimensions"))
		if get(p, "Namespace") != "paysessions" || string(dims) != `[{"Name":"Service","Value":"expiry-sweeper"},{"Name":"FunctionName","Value":{"Ref":"ExpirySweeperFunction"}}]` ||
			get(p, "Statistic") != "Maximum" || fmt.Sprint(get(p, "Period")) != "300" || fmt.Sprint(get(p, "EvaluationPeriods")) != "1" ||
			fmt.Sprint(get(p, "Threshold")) != "50" || get(p, "ComparisonOperator") != "GreaterThanThreshold" ||
			get(p, "TreatMissingData") != "notBreaching" {
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
		p := get(a, "Properties")
		if get(p, "Namespace") != "paysessions" || get(p, "MetricName") == "ApiThrottled" {
			continue // AWS's metrics, or the access log's (dimension ApiId, the stack's own API)
		}
		checked++
		dims, _ := json.Marshal(get(p, "Dimensions"))
		if want := `[{"Name":"Service","Value":"expiry-sweeper"},{"Name":"FunctionName","Value":{"Ref":"ExpirySweeperFunction"}}]`; string(dims) != want {
			t.Errorf("%s: Dimensions = %s; want %s, so that another stack's sweeper does not raise it", id, dims, want)
		}
	}
	if checked == 0 {
		t.Fatal("no alarm on the sweeper's metrics")
	}
}
