package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkPublish/N=10/impl=querybus-2    100  1000 ns/op  0 B/op
BenchmarkPublish/N=10/impl=querybus-2    100  3000 ns/op  0 B/op
BenchmarkPublish/N=10/impl=querybus-2    100  2000 ns/op  0 B/op
BenchmarkPublish/N=100/impl=querybus-2   100  4000 ns/op
BenchmarkPublish/N=10/impl=cometbft-2    100  9000 ns/op
BenchmarkOther/N=10/impl=querybus-2      100     1 ns/op
PASS
`

// Each point is the median of its runs, per implementation, in increasing x; other
// benchmarks are ignored.
func TestParse(t *testing.T) {
	series, err := parse(strings.NewReader(sample), "BenchmarkPublish", "N")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]point{"querybus": {{10, 2000}, {100, 4000}}, "cometbft": {{10, 9000}}}
	if len(series) != len(want) {
		t.Fatalf("got %v, want %v", series, want)
	}
	for impl, pts := range want {
		got := series[impl]
		if len(got) != len(pts) {
			t.Fatalf("%s: got %v, want %v", impl, got, pts)
		}
		for i := range pts {
			if got[i] != pts[i] {
				t.Errorf("%s point %d: got %v, want %v", impl, i, got[i], pts[i])
			}
		}
	}
	if _, err := parse(strings.NewReader(sample), "BenchmarkNone", "N"); err == nil {
		t.Error("no lines of the benchmark is an error")
	}
}

// The chart is an SVG with a line of each implementation.
func TestDraw(t *testing.T) {
	series, _ := parse(strings.NewReader(sample), "BenchmarkPublish", "N")
	out := filepath.Join(t.TempDir(), "c.svg")
	if err := draw(series, "t", "x", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<svg", "querybus", "cometbft"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("the SVG has no %q", s)
		}
	}
}
