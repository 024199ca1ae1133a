package pubsub_test

import (
	"testing"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
)

// TestScenarios runs the contract's scenarios (package bustest, shared with
// the typed server's tests) against the untyped server, with the query index
// on (the default) and off: the results must be the same.
func TestScenarios(t *testing.T) {
	t.Run("untyped/index=on", func(t *testing.T) { bustest.Run(t, newUntyped) })
	t.Run("untyped/index=off", func(t *testing.T) { bustest.Run(t, newUntyped, pubsub.QueryIndex(false)) })
}
