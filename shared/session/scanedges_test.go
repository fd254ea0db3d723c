package session

import "testing"

// TestCardScannerEdges holds edges of the card rule's scanner no other
// test reaches (each case kills a mutant of the scanner that survived
// every other test):
//   - a run of more than 19 digit groups: the scanner keeps the last 19
//     (a window of at most 19 digits spans at most 19 groups), and a card
//     number typed one digit at a time after a date still ends a window
//     ("A run is a sequence of digit groups ..., two groups being joined
//     by 1 to 3 separators");
//   - a CR then a digit then a LF is no CR LF line break: "a line break
//     written CR LF counts once", so four line feeds after a group that
//     followed a CR end the run ("a fourth separator ends the run").
func TestCardScannerEdges(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		// 20 and 24 groups: 5555 5555 5555 4444 and 3782 822463 10005
		// one digit at a time.
		{"2 0 2 6 5 5 5 5 5 5 5 5 5 5 5 5 4 4 4 4", true},
		{"0 0 0 0 0 0 0 0 5 5 5 5 5 5 5 5 5 5 5 5 4 4 4 4", true},
		{"2 0 2 6 1 2 3 7 8 2 8 2 2 4 6 3 1 0 0 0 5", true},
		// CR, a group, then four LFs: two runs, 4111 1111 and 1111 1111.
		{"4111\r1111\n\n\n\n1111 1111", false},
		{"4111\r1111\n\n\n1111 1111", true},
		{"4111 1111\r\n\r\n\r\n1111 1111", true},
	} {
		if got := LooksLikeCardNumber(tc.in); got != tc.want {
			t.Errorf("LooksLikeCardNumber(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}
