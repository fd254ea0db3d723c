package functions_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
)

// TestFunctionSizesAreTheReadmes holds each function's memory and timeout
// to README's Deploy list: "the 13 functions: 128 MB and 10 s for the API
// (1024 MB and 15 s for the 004 day list), 1769 MB and 55 s for the
// sweeper". TestProductionStack checked only the Globals' 128 MB, so the
// day list's or the sweeper's own values could change unseen
// (r68-mut-cfg: the sweeper's Timeout 60, the day list's 10, and either
// memory size halved, all lived). The sweeper's 1769 MB is Lambda's one
// vCPU: at 256 MB (0.145 of one) its runs were CPU-bound, and README's
// Deploy list says what a run stores at each size as measured (r93-sweepcap).
func TestFunctionSizesAreTheReadmes(t *testing.T) {
	const quote = "the 13 functions: 128 MB and 10 s for the API (1024 MB and 15 s for the 004 day list), 1769 MB and 55 s for the sweeper"
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), quote) {
		t.Fatalf("README no longer says %q", quote)
	}
	want := map[string][2]string{ // logical id -> MemorySize, Timeout
		"SessionRecordsFunction": {"1024", "15"},
		"ExpirySweeperFunction":  {"1769", "55"},
	}
	tpl := readTemplate(t)
	fns := resourcesOfType(tpl, "AWS::Serverless::Function")
	if len(fns) != 13 {
		t.Errorf("template has %d functions; README says 13", len(fns))
	}
	for id, fn := range fns {
		w, ok := want[id]
		if !ok {
			w = [2]string{"128", "10"}
		}
		mem, timeout := toString(functionSetting(tpl, fn, "MemorySize")), toString(functionSetting(tpl, fn, "Timeout"))
		if mem != w[0] || timeout != w[1] {
			t.Errorf("%s: got %s MB and %s s; want %s MB and %s s", id, mem, timeout, w[0], w[1])
		}
	}
}

// TestParameterDefaultsAreTheReadmes holds the defaults README's Deploy
// section gives the parameters that are no setting of the code (the
// others' defaults are held to config by TestTemplateDefaultsAreTheCodes):
// "LogRetentionDays (30), AlarmTopicArn (an SNS topic for the alarms),
// ApiLatencyP99Ms (1000)" (r68-mut-cfg: ApiLatencyP99Ms' default 100
// lived), and the retention is every log group's.
func TestParameterDefaultsAreTheReadmes(t *testing.T) {
	text := readmeWords(t)
	tpl := readTemplate(t)
	for _, tt := range []struct{ quote, param, want string }{
		{"LogRetentionDays (30)", "LogRetentionDays", "30"},
		{"ApiLatencyP99Ms (1000)", "ApiLatencyP99Ms", "1000"},
	} {
		if !strings.Contains(text, tt.quote) {
			t.Errorf("README no longer says %q", tt.quote)
			continue
		}
		if got := toString(apptest.Field("Parameters", tt.param, "Default")(tpl)); got != tt.want {
			t.Errorf("parameter %s: Default got %s; want %s (README: %q)", tt.param, got, tt.want, tt.quote)
		}
	}
	// The parameter is every log group's retention: the functions' and
	// the access log's (r68-mut-cfg: the access log's fixed at 365 lived;
	// TestProductionStack checks only that each has one).
	for id, lg := range resourcesOfType(tpl, "AWS::Logs::LogGroup") {
		if got := apptest.Field("Properties", "RetentionInDays", "Ref")(lg); got != "LogRetentionDays" {
			t.Errorf("log group %s: RetentionInDays got %v; want !Ref LogRetentionDays", id, apptest.Field("Properties", "RetentionInDays")(lg))
		}
	}
}

// readmeWords is README.md without its backticks, its white space runs
// made one space: a quote found in it is found however README wraps or
// marks it up.
func readmeWords(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(readme), "`", "")), " ")
}

// TestLogRetentionDaysAdmitsWhatCloudWatchTakes holds LogRetentionDays'
// AllowedValues to every retention CloudWatch Logs takes, as its API
// reference lists them (PutRetentionPolicy, retentionInDays: "Possible
// values are: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545,
// 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653"). The parameter
// admitted 10 of the 22 (none over a year, nor 120 or 150): a stack that
// must keep its logs 13 months (400) or 5 years (1827) could not say so
// without editing the template (r93-template).
func TestLogRetentionDaysAdmitsWhatCloudWatchTakes(t *testing.T) {
	want := []string{"1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545", "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653"}
	got := toStrings(apptest.Field("Parameters", "LogRetentionDays", "AllowedValues")(readTemplate(t)))
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("LogRetentionDays AllowedValues got %v; want CloudWatch Logs' retentions %v", got, want)
	}
}
