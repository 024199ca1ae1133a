// Command querycheck validates queries of the querybus query language.
//
// Give the queries as arguments:
//
//	go run ./examples/querycheck "tm.event = 'Tx' AND tx.height > 5"
//
// or, with no arguments, one per line on standard input (blank lines are skipped):
//
//	go run ./examples/querycheck < queries.txt
//
// For each valid query it prints "ok", three spaces and the canonical form of the query,
// the form that identifies a subscription. For each invalid one it prints the query (for a
// query of several lines, the line that holds the error), a caret under the place where the
// query went wrong, and the error as line:column: message:
//
//	ok   tm.event = 'Tx' AND tx.height > 5
//	tx.height >
//	           ^
//	1:12: unexpected end of query, expected a number, DATE or TIME after ">"
//
// The exit status is 1 if any query was invalid, 2 if standard input could not be read,
// and 0 otherwise.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/querybus/querybus/query"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout))
}

// run checks the queries args, or those on stdin if there are none, writes a report of
// each to stdout, and returns the exit status.
func run(args []string, stdin io.Reader, stdout io.Writer) int {
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	status := 0
	check := func(s string) {
		if !checkQuery(w, s) {
			status = 1
		}
	}
	if len(args) > 0 {
		for _, s := range args {
			check(s)
		}
		return status
	}
	r := bufio.NewReader(stdin)
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if strings.TrimSpace(line) != "" {
			check(line)
		}
		if err == io.EOF {
			return status
		}
		if err != nil {
			fmt.Fprintf(w, "querycheck: reading standard input: %v\n", err)
			return 2
		}
	}
}

// checkQuery writes the report on the query s and reports whether s is valid.
func checkQuery(w io.Writer, s string) bool {
	q, err := query.New(s)
	if err == nil {
		fmt.Fprintf(w, "ok   %s\n", q)
		return true
	}
	var qerr *query.Error
	if !errors.As(err, &qerr) {
		fmt.Fprintf(w, "%s\n%v\n", s, err) // not reachable: New returns only *query.Error
		return false
	}
	line := lineAt(s, qerr.Line)
	fmt.Fprintf(w, "%s\n%s^\n%v\n", line, caretIndent(line, qerr.Column), qerr)
	return false
}

// lineAt returns the n-th line (1-based) of s.
func lineAt(s string, n int) string {
	lines := strings.Split(s, "\n")
	if n < 1 || n > len(lines) {
		return s
	}
	return strings.TrimSuffix(lines[n-1], "\r")
}

// caretIndent returns what goes before the caret under column col (1-based, in runes) of
// line: a blank for each rune before it, or a tab for a tab, so that the caret lines up
// wherever the terminal puts its tab stops.
func caretIndent(line string, col int) string {
	var b strings.Builder
	n := 0
	for _, r := range line {
		if n >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		n++
	}
	// The column may lie past the last rune: at the end of the query.
	for ; n < col-1; n++ {
		b.WriteByte(' ')
	}
	return b.String()
}
