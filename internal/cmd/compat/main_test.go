package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rewrite changes import paths (keeping the name the file uses), leaves out the dropped
// declarations and the imports only they used, and nothing else.
func TestRewrite(t *testing.T) {
	src := `package query_test

import (
	"encoding/json"
	"testing"

	"github.com/up/abci/types"
	"github.com/up/libs/pubsub/query"
)

var events = []types.Event{}

func TestKept(t *testing.T) { _ = query.MustCompile("a = 1") }

func TestDropped(t *testing.T) { _, _ = json.Marshal(events) }
`
	path := filepath.Join(t.TempDir(), "x_test.go")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	out, err := rewrite(path, suite{
		module:  "github.com/up@v1",
		dir:     "libs/pubsub/query",
		imports: map[string]string{"github.com/up/libs/pubsub/query": self + "/query"},
		drop:    map[string]bool{"events": true, "TestDropped": true},
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "// Code taken from github.com/up@v1/libs/pubsub/query/x_test.go by internal/cmd/compat; only import paths changed.\n"))
	f, err := parser.ParseFile(token.NewFileSet(), "", out, 0)
	require.NoError(t, err, out)
	imports := map[string]string{}
	for _, imp := range f.Imports {
		name := ""
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[strings.Trim(imp.Path.Value, `"`)] = name
	}
	assert.Equal(t, map[string]string{"testing": "", self + "/query": "query"}, imports)
	var decls []string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok {
			decls = append(decls, fn.Name.Name)
		} else if gd := d.(*ast.GenDecl); gd.Tok != token.IMPORT {
			decls = append(decls, gd.Tok.String())
		}
	}
	assert.Equal(t, []string{"TestKept"}, decls)
	assert.Contains(t, out, `func TestKept(t *testing.T) { _ = query.MustCompile("a = 1") }`, "the code itself unchanged")
}

// A listed difference explains a failed test only if exactly its cases failed.
func TestExplained(t *testing.T) {
	d := difference{cases: []string{"Query was 'a'", "Query was 'b'"}}
	fail := func(cases ...string) string {
		out := ""
		for _, c := range cases {
			out += "    Error Trace: x_test.go:1\n    Messages: " + c + "\n"
		}
		return out
	}
	assert.True(t, d.explained(fail("Query was 'a'", "Query was 'b'")))
	assert.False(t, d.explained(fail("Query was 'a'")), "a listed case passes")
	assert.False(t, d.explained(fail("Query was 'a'", "Query was 'b'", "Query was 'c'")), "another case fails")
	assert.False(t, d.explained(fail("Query was 'a'", "Query was 'c'")))
}
