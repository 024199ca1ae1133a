package compile_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/oracle"
	"github.com/querybus/querybus/query/compile"
	"github.com/querybus/querybus/query/grammar"
)

// The compiled closures agree with the reference evaluator on every generated query and
// event set.
func TestCompileAgreesWithOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := oracle.Query().Draw(t, "query")
		ast, err := grammar.Parse(text)
		require.NoError(t, err)
		match, err := compile.Compile(ast)
		require.NoError(t, err)
		// Several event sets per query, so that each query meets sets it matches and sets
		// it does not.
		for range 8 {
			events := oracle.Events().Draw(t, "events")
			require.Equal(t, oracle.Eval(ast, events), match(events),
				"query %s on %#v", ast, events)
		}
	})
}
