package main

import (
	"testing"

	"go.uber.org/goleak"
)

// The example runs to the end: every subscriber receives what it waits
// for, and nothing is left running.
func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	if err := run(); err != nil {
		t.Fatal(err)
	}
}
