package dynamolocal

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckJavaReadsTheRuntimesVersionNotTheOptions: the Java launcher
// echoes JAVA_TOOL_OPTIONS, _JAVA_OPTIONS and JDK_JAVA_OPTIONS ("Picked up
// ...") before its version line, and a value may hold a line break and
// `version "1.8"` on a line of its own (r92-review: Java 17 was refused as
// "Java 1.8" past the fix that skips "Picked up" lines). checkJava asks the
// runtime without them. The fake java echoes them as the launcher does.
func TestCheckJavaReadsTheRuntimesVersionNotTheOptions(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\n" +
		"[ -n \"$JAVA_TOOL_OPTIONS\" ] && printf 'Picked up JAVA_TOOL_OPTIONS: %s\\n' \"$JAVA_TOOL_OPTIONS\" >&2\n" +
		"[ -n \"$_JAVA_OPTIONS\" ] && printf 'Picked up _JAVA_OPTIONS: %s\\n' \"$_JAVA_OPTIONS\" >&2\n" +
		"[ -n \"$JDK_JAVA_OPTIONS\" ] && printf 'NOTE: Picked up JDK_JAVA_OPTIONS: %s\\n' \"$JDK_JAVA_OPTIONS\" >&2\n" +
		"printf '%s\\n' 'openjdk version \"17.0.15\" 2025-04-15' >&2\n"
	if err := os.WriteFile(filepath.Join(bin, "java"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	for _, name := range javaOptionVariables {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, "-Dapp.label='a\nversion \"1.8\"'")
			if _, err := checkJava(context.Background()); err != nil {
				t.Errorf("checkJava() with %s holding a line `version \"1.8\"` = %v; want Java 17 taken", name, err)
			}
		})
	}
}
