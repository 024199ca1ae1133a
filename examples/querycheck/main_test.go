package main

import (
	"strings"
	"testing"
	"testing/iotest"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		want   string
		status int
	}{
		{
			name:   "valid",
			args:   []string{"tm.event = 'Tx' AND tx.height > 5"},
			want:   "ok   tm.event = 'Tx' AND tx.height > 5\n",
			status: 0,
		},
		{
			name:   "valid, printed in canonical form",
			args:   []string{"(a='x'AND b=5)OR NOT(c EXISTS)"},
			want:   "ok   a = 'x' AND b = 5 OR NOT c EXISTS\n",
			status: 0,
		},
		{
			name: "invalid at the end",
			args: []string{"tx.height >"},
			want: "tx.height >\n" +
				"           ^\n" +
				"1:12: unexpected end of query, expected a number, DATE or TIME after \">\"\n",
			status: 1,
		},
		{
			name: "invalid operand: the caret is under the operand",
			args: []string{"a < 'x'"},
			want: "a < 'x'\n" +
				"    ^\n" +
				"1:5: operator < compares numbers, dates and times, not a string: 'x'\n",
			status: 1,
		},
		{
			name: "columns count runes, not bytes",
			args: []string{"né = 'é' and b = 1"},
			want: "né = 'é' and b = 1\n" +
				"         ^\n" +
				"1:10: unexpected \"and\": keywords are upper case, did you mean AND?\n",
			status: 1,
		},
		{
			name: "multi-line query: the offending line, with its tabs",
			args: []string{"a = 1 AND\n\tb ? 2"},
			want: "\tb ? 2\n" +
				"\t  ^\n" +
				"2:4: unexpected character '?'\n",
			status: 1,
		},
		{
			name: "empty argument",
			args: []string{""},
			want: "\n" +
				"^\n" +
				"1:1: empty query: expected a condition such as tm.event = 'Tx'\n",
			status: 1,
		},
		{
			name:   "stdin, one query a line, blank lines skipped",
			stdin:  "a = 1\n\n   \nb CONTAINS 'x'\r\nc EXISTS",
			want:   "ok   a = 1\nok   b CONTAINS 'x'\nok   c EXISTS\n",
			status: 0,
		},
		{
			name:   "stdin, empty",
			stdin:  "",
			want:   "",
			status: 0,
		},
		{
			name:  "stdin, mixed",
			stdin: "a = 1\na = \"x\"\nb > DATE 2021-11-23\n",
			want: "ok   a = 1\n" +
				"a = \"x\"\n" +
				"    ^\n" +
				"1:5: unexpected '\"': strings are single-quoted, as in 'Tx'\n" +
				"ok   b > DATE 2021-11-23\n",
			status: 1,
		},
		{
			name:  "arguments, mixed: stdin is not read",
			args:  []string{"a = DATE 2021-02-30", "a = 1"},
			stdin: "b >\n",
			want: "a = DATE 2021-02-30\n" +
				"    ^\n" +
				"1:5: invalid date 2021-02-30: no such day in the calendar\n" +
				"ok   a = 1\n",
			status: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			status := run(tt.args, strings.NewReader(tt.stdin), &out)
			if got := out.String(); got != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", got, tt.want)
			}
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
		})
	}
}

func TestRunStdinError(t *testing.T) {
	var out strings.Builder
	stdin := iotest.TimeoutReader(strings.NewReader("a = 1\nb = 2\n"))
	status := run(nil, stdin, &out)
	want := "ok   a = 1\nok   b = 2\n"
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("output:\n%s\nwant it to begin with:\n%s", out.String(), want)
	}
	if status != 2 {
		t.Errorf("status = %d, want 2", status)
	}
}
