package pubsub_test

import (
	"testing"

	"github.com/querybus/querybus/internal/bustest"
)

// TestScenarios runs the contract's scenarios (package bustest, shared with
// the typed server's tests) against the untyped server, once per
// configuration.
func TestScenarios(t *testing.T) {
	configs := []struct {
		name string
		mk   bustest.Maker
	}{
		{"untyped", newUntyped},
	}
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) { bustest.Run(t, c.mk) })
	}
}
