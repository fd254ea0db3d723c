//go:build race

package racemode

// Enabled is true: this binary was built with -race.
const Enabled = true
