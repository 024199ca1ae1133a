package querybus_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every Go block of the README is, word for word, part of an Example function of this
// repository (in any module), and so compiles and runs, with its output checked, in make
// test. A block that is not is an example nobody ran.
func TestReadmeGoBlocksAreExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks)
	bodies := exampleBodies(t, ".")
	require.NotEmpty(t, bodies)
	for i, b := range blocks {
		block := "\n" + strings.TrimSpace(b[1]) + "\n"
		found := false
		for _, body := range bodies {
			found = found || strings.Contains(body, block)
		}
		assert.True(t, found, "README Go block %d is not part of any Example function:\n%s", i+1, b[1])
	}
}

// exampleBodies returns the bodies of the Example functions of the test files under root,
// each line without the indentation of the body, between newlines.
func exampleBodies(t *testing.T, root string) []string {
	var bodies []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fn.Name.Name, "Example") || fn.Body == nil {
				continue
			}
			text := string(src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset])
			var lines []string
			for _, line := range strings.Split(text, "\n") {
				lines = append(lines, strings.TrimPrefix(line, "\t"))
			}
			bodies = append(bodies, strings.Join(lines, "\n")+"\n")
		}
		return nil
	})
	require.NoError(t, err)
	return bodies
}
