package dynamolocal

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestEngineSendsNoTelemetry: DynamoDB Local "collects telemetry ... If
// telemetry remains on, DynamoDB local sends telemetry data in the
// background" (AWS, Telemetry in DynamoDB local); `-disableTelemetry`
// turns it off. The engine the make targets start unasked must not phone
// home.
func TestEngineSendsNoTelemetry(t *testing.T) {
	args := engineArgs(8123, t.TempDir(), false)
	for _, want := range []string{"-disableTelemetry", "-inMemory", "-sharedDb"} {
		if !slices.Contains(args, want) {
			t.Errorf("engineArgs(8123) = %q; want %s", args, want)
		}
	}
	if i := slices.Index(args, "-port"); i < 0 || i+1 >= len(args) || args[i+1] != "8123" {
		t.Errorf("engineArgs(8123) = %q; want -port 8123", args)
	}
}

// TestEngineLoadsTheInstallsSQLiteLibrary: where the install holds this
// platform's SQLite library, the engine is told to load it (its loader
// reads org.sqlite.lib.path and org.sqlite.lib.name first) rather than copy
// the jar's into the JVM's temporary folder, where a killed engine left the
// copy (TestKilledEngineLeavesNothingInTheTempFolder runs the engine); an
// install without it (another layout, a platform DynamoDB Local ships no
// library for) is left to the loader's own search, as before.
func TestEngineLoadsTheInstallsSQLiteLibrary(t *testing.T) {
	lib, known := sqliteLibs[runtime.GOOS+"/"+runtime.GOARCH]
	for _, tc := range []struct {
		name string
		file string // created under DynamoDBLocal_lib, when not ""
		want bool
	}{
		{"this platform's library", lib, known},
		{"no library", "", false},
		{"another platform's only", "libsqlite4java-other.so", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jarDir := t.TempDir()
			if tc.file != "" {
				if err := os.MkdirAll(filepath.Join(jarDir, "DynamoDBLocal_lib"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(jarDir, "DynamoDBLocal_lib", tc.file), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := engineArgs(8123, jarDir, false)
			got := slices.Contains(args, "-Dorg.sqlite.lib.path=./DynamoDBLocal_lib") && slices.Contains(args, "-Dorg.sqlite.lib.name="+lib)
			if got != tc.want {
				t.Errorf("engineArgs(8123, %s) = %q: loads the install's library %v; want %v", tc.name, args, got, tc.want)
			}
			if jar := slices.Index(args, "-jar"); jar < 0 || slices.IndexFunc(args, func(a string) bool { return strings.HasPrefix(a, "-Dorg.sqlite.") }) > jar {
				t.Errorf("engineArgs(8123, %s) = %q; want every JVM option before -jar", tc.name, args)
			}
		})
	}
}

// TestEngineCompilesWithC1UnlessFullJIT: an engine runs on HotSpot's C1
// alone (-XX:TieredStopAtLevel=1), which starts it on about half the CPU,
// unless it is to serve a heavy load for long (Options.FullJIT: make
// test's and make bench's), where C2's code serves faster.
func TestEngineCompilesWithC1UnlessFullJIT(t *testing.T) {
	for _, tc := range []struct {
		fullJIT bool
		want    bool // -XX:TieredStopAtLevel=1 among the JVM's options
	}{
		{false, true},
		{true, false},
	} {
		args := engineArgs(8123, t.TempDir(), tc.fullJIT)
		jar := slices.Index(args, "-jar")
		c1 := slices.Index(args, "-XX:TieredStopAtLevel=1")
		if got := c1 >= 0 && c1 < jar; got != tc.want {
			t.Errorf("engineArgs(8123, fullJIT %v) = %q: C1 alone %v; want %v", tc.fullJIT, args, got, tc.want)
		}
	}
}

func TestJavaVersion(t *testing.T) {
	for _, tc := range []struct {
		out     string
		version string
		major   int
		ok      bool
	}{
		{`openjdk version "17.0.15" 2025-04-15`, "17.0.15", 17, true},
		{`java version "1.8.0_392"`, "1.8.0_392", 8, true},
		{`openjdk version "25-ea" 2025-09-16`, "25-ea", 25, true},
		{`openjdk version "21" 2023-09-19`, "21", 21, true},
		{`java version "1.7.0_80"`, "1.7.0_80", 7, true},
		{"Picked up JAVA_TOOL_OPTIONS: -Dx=1\n" + `openjdk version "11.0.2"`, "11.0.2", 11, true},
		// An option's value holding `version "..."` echoed first (r92-fresh:
		// Java 17 was refused as "Java 1.8").
		{"Picked up JAVA_TOOL_OPTIONS: -Dapp.label='version \"1.8\"'\n" + `openjdk version "17.0.15" 2025-04-15`, "17.0.15", 17, true},
		{"Picked up _JAVA_OPTIONS: -Dv='version \"9\"'\nNOTE: Picked up JDK_JAVA_OPTIONS: -Dw='version \"1.6\"'\n" + `openjdk version "21" 2023-09-19`, "21", 21, true},
		{"no version here", "", 0, false},
		{`openjdk version "x"`, "", 0, false},
	} {
		v, major, ok := javaVersion(tc.out)
		if v != tc.version || major != tc.major || ok != tc.ok {
			t.Errorf("javaVersion(%q) = %q, %d, %v; want %q, %d, %v", tc.out, v, major, ok, tc.version, tc.major, tc.ok)
		}
	}
}
