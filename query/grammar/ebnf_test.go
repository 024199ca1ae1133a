package grammar

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/grammar.ebnf from the parser's grammar")

// TestEBNF pins the grammar: a change to the parser tags shows up as a change to this file.
func TestEBNF(t *testing.T) {
	golden := filepath.Join("testdata", "grammar.ebnf")
	got := EBNF() + "\n"
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -run TestEBNF -update to create it")
	assert.Equal(t, string(want), got, "the grammar changed: run go test -run TestEBNF -update and update doc.go")
}

// TestEBNFInPackageDoc keeps the package documentation in step with the grammar: every line
// of the EBNF appears in doc.go as a tab-indented comment line, in order.
func TestEBNFInPackageDoc(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var block []string
	for _, line := range strings.Split(EBNF(), "\n") {
		block = append(block, "//\t"+line)
	}
	require.Greater(t, len(block), 3)
	assert.Contains(t, string(doc), strings.Join(block, "\n")+"\n",
		"the EBNF in doc.go differs from the parser's grammar:\n%s", strings.Join(block, "\n"))
}
