package oracle_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/oracle"
	"github.com/querybus/querybus/query/compile"
	"github.com/querybus/querybus/query/grammar"
)

// The generators promise valid queries: every one parses and compiles, and stays within the
// nesting the generator claims.
func TestQueryGeneratesValidQueries(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := oracle.Query().Draw(t, "query")
		ast, err := grammar.Parse(s)
		require.NoError(t, err, "%q", s)
		_, err = compile.Compile(ast)
		require.NoError(t, err, "%q", s)
	})
}

func TestTimeAndDateGenerateValidOperands(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		_, err := oracle.ParseRFC3339(oracle.Time().Draw(t, "time"))
		require.NoError(t, err)
		_, ok := compile.ParseDate(oracle.Date().Draw(t, "date"))
		require.True(t, ok)
	})
}

// The generators reach every kind of query: each operator, each operand kind, NOT, OR,
// parentheses. A generator that lost one would leave the property tests blind to it.
func TestQueryCoversEveryForm(t *testing.T) {
	want := []string{" = '", " = DATE", " = TIME", " < ", " <= ", " > ", " >= ", " CONTAINS '",
		" EXISTS", "NOT ", " OR ", " AND ", "(", "DATE", "TIME"}
	seen := map[string]bool{}
	rapid.Check(t, func(t *rapid.T) {
		ast, err := grammar.Parse(oracle.Query().Draw(t, "query"))
		require.NoError(t, err)
		canon := ast.String()
		for _, w := range want {
			if strings.Contains(canon, w) {
				seen[w] = true
			}
		}
	})
	for _, w := range want {
		require.True(t, seen[w], "no generated query holds %q", w)
	}
}

func TestParseRFC3339RejectsWhatRFC3339Does(t *testing.T) {
	for _, s := range []string{
		"2021-11-23T2:04:19Z", "2021-11-23T22:04:19,5Z", "2021-11-23T22:04:19+24:00",
		"2021-11-23T22:04:19+01:60", "2021-11-23t22:04:19z", "2021-11-23T22:04:19",
		"2021-11-23T24:00:00Z", "2021-11-23", "2021-11-23T22:04:19.Z",
	} {
		_, err := oracle.ParseRFC3339(s)
		require.Error(t, err, s)
	}
	for _, s := range []string{"2021-11-23T22:04:19Z", "2021-11-23T22:04:19.5-09:00", "2021-11-23T22:04:19-00:00"} {
		_, err := oracle.ParseRFC3339(s)
		require.NoError(t, err, s)
	}
}
