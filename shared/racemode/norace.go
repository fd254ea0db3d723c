//go:build !race

package racemode

// Enabled is false: this binary was built without -race.
const Enabled = false
