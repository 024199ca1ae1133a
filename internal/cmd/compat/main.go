// Command compat runs Tendermint v0.34's and CometBFT's own libs/pubsub test files against
// this checkout (make compat). It takes them from the Go module cache (go mod download),
// rewrites their import paths to this module's packages, and nothing else, and runs them in a
// temporary module. Two imports have no counterpart here and go to small packages this
// command writes: Tendermint's libs/log (the tests call log.TestingLogger, here a
// *slog.Logger, which is what SetLogger takes) and CometBFT's query/syntax (the tests use its
// DateFormat and TimeFormat, here query.DateLayout and query.TimeLayout). The ABCI-typed
// parts of CometBFT's query_test.go (apiTypeEvents, sortEvents, TestExpandEvents) are out of
// scope (compat.md) and left out.
//
// Every test must pass, or be one of the intended differences listed in differences, each
// documented in MIGRATING.md. A listed difference that passes is an error too: the list is
// stale.
//
// Usage: go run ./internal/cmd/compat [-v] [-keep]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const self = "github.com/querybus/querybus"

// A suite is the test files of one upstream package, run as one package here.
type suite struct {
	name    string // the package's directory in the temporary module
	module  string // upstream module@version
	dir     string // the package's directory in the upstream module
	files   []string
	imports map[string]string // upstream import path → ours
	drop    map[string]bool   // top-level declarations left out
}

var (
	tendermint = "github.com/tendermint/tendermint@v0.34.24"
	cometbft   = "github.com/cometbft/cometbft@v0.40.0"

	tmImports = map[string]string{
		"github.com/tendermint/tendermint/libs/pubsub":       self + "/pubsub",
		"github.com/tendermint/tendermint/libs/pubsub/query": self + "/query",
		"github.com/tendermint/tendermint/libs/log":          "compatcheck/shim/log",
	}
	cmtImports = map[string]string{
		"github.com/cometbft/cometbft/libs/pubsub":              self + "/pubsub",
		"github.com/cometbft/cometbft/libs/pubsub/query":        self + "/query",
		"github.com/cometbft/cometbft/libs/pubsub/query/syntax": "compatcheck/shim/syntax",
		"github.com/cometbft/cometbft/libs/log":                 "compatcheck/shim/log",
	}

	suites = []suite{
		{"tendermint/pubsub", tendermint, "libs/pubsub", []string{"pubsub_test.go", "example_test.go"}, tmImports, nil},
		{"tendermint/query", tendermint, "libs/pubsub/query", []string{"query_test.go", "empty_test.go", "parser_test.go"}, tmImports, nil},
		{"cometbft/pubsub", cometbft, "libs/pubsub", []string{"pubsub_test.go", "example_test.go"}, cmtImports, nil},
		{"cometbft/query", cometbft, "libs/pubsub/query", []string{"query_test.go"}, cmtImports,
			map[string]bool{"apiTypeEvents": true, "sortEvents": true, "TestExpandEvents": true}},
	}

	// differences are the upstream tests that fail here on purpose: for each, the cases that
	// fail (what the test's output says of each, one failed assertion each) and why, as
	// MIGRATING.md shows it. Any other failed assertion of the test is unexpected.
	differences = map[string]difference{
		"tendermint/query.TestParser": {
			cases: []string{"Query was 'tx.date >= DATE 0013-01-03'", "Query was 'account.balance >= -300'"},
			reason: "querybus accepts every four-digit year in DATE and TIME (v0.34 only 1000-2999) " +
				"and negative numbers (MIGRATING.md, \"The query language\")",
		},
		"tendermint/query.TestMatches": {
			cases: []string{"Query 'sl EXISTS' should match"},
			reason: "tag EXISTS is a key equal to tag or beginning with tag + \".\"; v0.34 took any key " +
				"beginning with tag, so sl EXISTS matched slash.power (MIGRATING.md, \"The query language\")",
		},
	}
)

type difference struct {
	cases  []string
	reason string
}

// explained reports whether the output of a failed test is exactly d's cases failing.
func (d difference) explained(output string) bool {
	if strings.Count(output, "Error Trace:") != len(d.cases) {
		return false
	}
	for _, c := range d.cases {
		if !strings.Contains(output, c) {
			return false
		}
	}
	return true
}

var shims = map[string]string{
	"shim/log/log.go": `// Package log stands in for Tendermint's and CometBFT's libs/log in their tests: querybus
// takes a *slog.Logger.
package log

import (
	"io"
	"log/slog"
)

// TestingLogger returns a logger that discards everything.
func TestingLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
`,
	"shim/syntax/syntax.go": `// Package syntax stands in for CometBFT's query/syntax in its tests: the layouts of DATE and
// TIME operands.
package syntax

import "` + self + `/query"

// The layouts of DATE and TIME operands.
const (
	DateFormat = query.DateLayout
	TimeFormat = query.TimeLayout
)
`,
}

func main() {
	verbose := flag.Bool("v", false, "print every test")
	keep := flag.Bool("keep", false, "keep the temporary module and print its path")
	flag.Parse()
	if err := run(*verbose, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		os.Exit(1)
	}
}

func run(verbose, keep bool) error {
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "querybus-compat-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("temporary module:", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	testify, err := requiredVersion(filepath.Join(repo, "go.mod"), "github.com/stretchr/testify")
	if err != nil {
		return err
	}
	gomod := fmt.Sprintf("module compatcheck\n\ngo 1.23\n\nrequire (\n\t%s v0.0.0\n\tgithub.com/stretchr/testify %s\n)\n\nreplace %s => %s\n",
		self, testify, self, repo)
	if err := write(tmp, "go.mod", gomod); err != nil {
		return err
	}
	for name, text := range shims {
		if err := write(tmp, name, text); err != nil {
			return err
		}
	}
	dirs := map[string]string{}
	for _, s := range suites {
		if dirs[s.module] == "" {
			if dirs[s.module], err = download(s.module); err != nil {
				return err
			}
		}
		for _, f := range s.files {
			src, err := rewrite(filepath.Join(dirs[s.module], s.dir, f), s)
			if err != nil {
				return err
			}
			if err := write(tmp, filepath.Join(s.name, f), src); err != nil {
				return err
			}
		}
	}
	if out, err := command(tmp, "go", "mod", "tidy").CombinedOutput(); err != nil {
		return fmt.Errorf("go mod tidy in %s: %v\n%s", tmp, err, out)
	}
	results, output, err := test(tmp)
	if err != nil {
		return err
	}
	return report(results, output, verbose)
}

// rewrite returns the source of an upstream file with its import paths changed to ours and
// the declarations s drops left out, with the imports that only they used.
func rewrite(path string, s suite) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		return "", err
	}
	if len(s.drop) > 0 {
		var keep []ast.Decl
		for _, d := range f.Decls {
			if !dropped(d, s.drop) {
				keep = append(keep, d)
			}
		}
		f.Decls = keep
		removeUnusedImports(f)
	}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if to, ok := s.imports[p]; ok {
			imp.Path.Value = strconv.Quote(to)
			if imp.Name == nil {
				imp.Name = ast.NewIdent(filepath.Base(p)) // keep the name the file uses
			}
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code taken from %s/%s/%s by internal/cmd/compat; only import paths changed.\n\n", s.module, s.dir, filepath.Base(path))
	if err := format.Node(&b, fset, f); err != nil {
		return "", err
	}
	return b.String(), nil
}

func dropped(d ast.Decl, drop map[string]bool) bool {
	switch d := d.(type) {
	case *ast.FuncDecl:
		return drop[d.Name.Name]
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			if vs, ok := spec.(*ast.ValueSpec); ok {
				for _, n := range vs.Names {
					if drop[n.Name] {
						return true
					}
				}
			}
		}
	}
	return false
}

// removeUnusedImports removes the imports no selector of f uses any more.
func removeUnusedImports(f *ast.File) {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	name := func(imp *ast.ImportSpec) string {
		if imp.Name != nil {
			return imp.Name.Name
		}
		p, _ := strconv.Unquote(imp.Path.Value)
		return filepath.Base(p)
	}
	var kept []*ast.ImportSpec
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		var specs []ast.Spec
		for _, spec := range gd.Specs {
			imp := spec.(*ast.ImportSpec)
			if n := name(imp); n == "_" || used[n] {
				specs = append(specs, spec)
				kept = append(kept, imp)
			}
		}
		gd.Specs = specs
	}
	f.Imports = kept
}

// result is one test's outcome.
type result struct {
	suite, test string
	passed      bool
}

// test runs the temporary module's tests, returning each test's result and the output of
// each failed one.
func test(dir string) ([]result, map[string]string, error) {
	cmd := command(dir, "go", "test", "-json", "-count=1", "./...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	var results []result
	output := map[string]string{}
	tested := map[string]bool{}
	var buildFailed []string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct{ Action, Package, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		suite := strings.TrimPrefix(ev.Package, "compatcheck/")
		key := suite + "." + ev.Test
		switch {
		case ev.Action == "output" && ev.Test != "":
			output[key] += ev.Output
		case ev.Action == "output":
			output[suite] += ev.Output
		case ev.Test != "" && (ev.Action == "pass" || ev.Action == "fail"):
			results = append(results, result{suite, ev.Test, ev.Action == "pass"})
			tested[suite] = true
		case ev.Test == "" && ev.Action == "fail":
			if !tested[suite] {
				buildFailed = append(buildFailed, suite)
			}
		}
	}
	err = cmd.Wait()
	if len(buildFailed) > 0 {
		var b strings.Builder
		for _, s := range buildFailed {
			fmt.Fprintf(&b, "%s did not build or run:\n%s\n", s, output[s])
		}
		return nil, nil, fmt.Errorf("%s%s", b.String(), stderr.String())
	}
	if len(results) == 0 {
		return nil, nil, fmt.Errorf("go test ran no test: %v\n%s", err, stderr.String())
	}
	return results, output, nil
}

// report prints the summary and returns an error if a test failed that is not an intended
// difference, or an intended difference passed.
func report(results []result, output map[string]string, verbose bool) error {
	sort.Slice(results, func(i, j int) bool {
		if results[i].suite != results[j].suite {
			return results[i].suite < results[j].suite
		}
		return results[i].test < results[j].test
	})
	counts := map[string][3]int{} // passed, intended, unexpected
	var problems []string
	for _, r := range results {
		key := r.suite + "." + r.test
		d, intended := differences[key]
		c := counts[r.suite]
		switch {
		case r.passed && !intended:
			c[0]++
			if verbose {
				fmt.Printf("PASS  %s\n", key)
			}
		case !r.passed && intended && d.explained(output[key]):
			c[1]++
			fmt.Printf("DIFF  %s, %d cases: %s\n", key, len(d.cases), d.reason)
			for _, cs := range d.cases {
				fmt.Printf("        %s\n", cs)
			}
		case r.passed && intended:
			c[2]++
			problems = append(problems, fmt.Sprintf("%s passes, but is listed as an intended difference (%s)", key, d.reason))
		default:
			c[2]++
			problems = append(problems, fmt.Sprintf("%s FAILED:\n%s", key, output[key]))
		}
		counts[r.suite] = c
	}
	var names []string
	for s := range counts {
		names = append(names, s)
	}
	sort.Strings(names)
	fmt.Println()
	fmt.Printf("%-20s %8s %10s %11s\n", "upstream package", "passed", "intended", "unexpected")
	var total [3]int
	for _, s := range names {
		c := counts[s]
		fmt.Printf("%-20s %8d %10d %11d\n", s, c[0], c[1], c[2])
		for i := range total {
			total[i] += c[i]
		}
	}
	fmt.Printf("%-20s %8d %10d %11d\n", "total", total[0], total[1], total[2])
	if len(problems) > 0 {
		return fmt.Errorf("%d unexpected results:\n%s", len(problems), strings.Join(problems, "\n"))
	}
	return nil
}

func download(module string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", module).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %v", module, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s %v", module, info.Error, err)
	}
	return info.Dir, nil
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", self).Output()
	if err != nil {
		return "", fmt.Errorf("run from the querybus module: %v", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// requiredVersion returns the version of module that go.mod at path requires.
func requiredVersion(path, module string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == module {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("%s does not require %s", path, module)
}

func write(dir, name, text string) error {
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(text), 0o644)
}

func command(dir string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	return cmd
}
