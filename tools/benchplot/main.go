// Command benchplot draws, from the output of go test -bench, the cost of one benchmark
// against a size parameter, one line per implementation, on log-log axes, as an SVG.
//
//	go run . -in ../../fuzz/cometbft/publish.txt -bench BenchmarkPublish -x N -out ../../docs/publish.svg
//
// The benchmark's sub-benchmark names must hold x=<number> and impl=<name>
// (BenchmarkPublish/N=1000/impl=querybus-2). Each point is the median ns/op of the runs of
// one x and impl (-count=6 or more). It is its own module, so that gonum's plot never
// reaches users of querybus.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

func main() {
	in := flag.String("in", "", "go test -bench output (default: standard input)")
	bench := flag.String("bench", "BenchmarkPublish", "the benchmark to draw")
	x := flag.String("x", "N", "the name of the size parameter")
	out := flag.String("out", "bench.svg", "the SVG to write")
	title := flag.String("title", "publish cost against the number of subscriptions", "the chart's title")
	xLabel := flag.String("xlabel", "distinct subscriptions (each publish matches one)", "the x axis label")
	flag.Parse()
	r := io.Reader(os.Stdin)
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		r = f
	}
	series, err := parse(r, *bench, *x)
	if err != nil {
		fail(err)
	}
	if err := draw(series, *title, *xLabel, *out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchplot:", err)
	os.Exit(1)
}

// point is the median ns/op of one x.
type point struct{ x, ns float64 }

// parse returns, for each impl, its points in increasing x.
func parse(r io.Reader, bench, x string) (map[string][]point, error) {
	line := regexp.MustCompile(`^` + regexp.QuoteMeta(bench) + `/(\S+?)(-\d+)?\s+\d+\s+([0-9.]+) ns/op`)
	runs := map[string]map[float64][]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var xv float64
		impl := ""
		have := false
		for _, part := range strings.Split(m[1], "/") {
			k, v, ok := strings.Cut(part, "=")
			switch {
			case ok && k == x:
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, fmt.Errorf("%s=%q is not a number", x, v)
				}
				xv, have = f, true
			case ok && k == "impl":
				impl = v
			}
		}
		if !have || impl == "" {
			continue
		}
		ns, _ := strconv.ParseFloat(m[3], 64)
		if runs[impl] == nil {
			runs[impl] = map[float64][]float64{}
		}
		runs[impl][xv] = append(runs[impl][xv], ns)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("no %s line with %s=<number> and impl=<name>", bench, x)
	}
	series := map[string][]point{}
	for impl, byX := range runs {
		for xv, ns := range byX {
			series[impl] = append(series[impl], point{xv, median(ns)})
		}
		sort.Slice(series[impl], func(i, j int) bool { return series[impl][i].x < series[impl][j].x })
	}
	return series, nil
}

func median(v []float64) float64 {
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// draw writes the series to out as a log-log chart, in microseconds.
func draw(series map[string][]point, title, xLabel, out string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = "time per publish (µs)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	var impls []string
	for impl := range series {
		impls = append(impls, impl)
	}
	sort.Strings(impls)
	var args []any
	for _, impl := range impls {
		xy := make(plotter.XYs, len(series[impl]))
		for i, pt := range series[impl] {
			xy[i] = plotter.XY{X: pt.x, Y: pt.ns / 1000}
		}
		args = append(args, impl, xy)
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return err
	}
	return p.Save(7*vg.Inch, 4.5*vg.Inch, out)
}
