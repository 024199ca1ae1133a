# querybus: make test (what CI runs), make demo (the examples), make fuzz, make bench.

GO            ?= go
FUZZTIME      ?= 60s
# Minimizing a new interesting input runs it again and again, up to 60 s by default; for the
# rapid-driven targets that stalls a short run for nothing. A failing input is still minimized.
FUZZMINIMIZE  ?= 2000x
# Every module of the repository: the core; natsbus (NATS's dependencies stay out of the core);
# fuzz/cometbft (differential fuzzing and benchmarks against CometBFT, whose dependencies too);
# tools/benchplot (the README's chart, with gonum's plot).
MODULES       ?= . natsbus fuzz/cometbft tools/benchplot
# Fuzzed packages, as module:package (the package relative to its module).
FUZZ_PKGS     ?= .:./fuzz/ .:./query/grammar/ natsbus:./internal/wire/ fuzz/cometbft:.
BENCH_OUT     ?= bench.txt
BENCH_COUNT   ?= 6
BENCH         ?= .

.PHONY: test fmt-check vet unit fuzz-short fuzz bench benchstat demo lint compat chart

## test: gofmt check, go vet, the race-enabled test suite and a short run of every fuzz target
test: fmt-check vet unit fuzz-short

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@set -e; for m in $(MODULES); do echo "== go vet ($$m)"; (cd $$m && $(GO) vet ./...); done

unit:
	@set -e; for m in $(MODULES); do echo "== go test -race ($$m)"; (cd $$m && $(GO) test -race -count=1 ./...); done

## fuzz-short: every fuzz target for a fixed number of executions, about 10 s each on a
## 2-core machine. A count, unlike a duration, sets no deadline: Go's fuzz coordinator can
## fail a target that found nothing when a -fuzztime deadline fires (golang/go#75804, before
## Go 1.27), and a loaded machine only makes the run slower, never red. A target the fuzzer
## finds failing still fails the run. A target without a budget here fails it too.
FUZZ_SHORT ?= FuzzParse=170000x FuzzMatch=120000x FuzzDecimal=200000x FuzzInstant=250000x FuzzServer=70000x FuzzDescent=70000x FuzzDecodeEnvelope=150000x FuzzDifferential=20000x
fuzz-short:
	@set -e; for mp in $(FUZZ_PKGS); do \
	  mod="$${mp%%:*}"; pkg="$${mp#*:}"; \
	  targets="$$(cd $$mod && $(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true)"; \
	  for t in $$targets; do \
	    budget=""; \
	    for b in $(FUZZ_SHORT); do [ "$${b%%=*}" = "$$t" ] && budget="$${b#*=}"; done; \
	    if [ -z "$$budget" ]; then echo "fuzz-short: no budget for $$t in FUZZ_SHORT"; exit 1; fi; \
	    echo "== fuzz $$mod $$pkg $$t for $$budget"; \
	    (cd $$mod && $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$$budget -fuzzminimizetime=$(FUZZMINIMIZE) $$pkg); \
	  done; \
	done

## fuzz: every fuzz target for FUZZTIME (go test -fuzz takes one target per run)
fuzz:
	@set -e; for mp in $(FUZZ_PKGS); do \
	  mod="$${mp%%:*}"; pkg="$${mp#*:}"; \
	  targets="$$(cd $$mod && $(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true)"; \
	  for t in $$targets; do \
	    echo "== fuzz $$mod $$pkg $$t for $(FUZZTIME)"; \
	    (cd $$mod && $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZE) $$pkg); \
	  done; \
	done

## bench: every benchmark, -count=$(BENCH_COUNT), into $(BENCH_OUT) for benchstat
bench:
	$(GO) test -run='^$$' -bench='$(BENCH)' -benchmem -count=$(BENCH_COUNT) ./... | tee $(BENCH_OUT)

benchstat:
	$(GO) run golang.org/x/perf/cmd/benchstat@latest $(BENCH_OUT)

## demo: run the example programs
demo:
	@echo "== examples/querycheck"
	@$(GO) run ./examples/querycheck "tm.event = 'Tx' AND transfer.amount > 1000" "tm.event='NewBlock'AND(NOT rewards EXISTS OR tx.height>=5)"
	@echo "-- an invalid query (querycheck exits 1):"
	@$(GO) run ./examples/querycheck "tx.height >" "tm.event = 'Tx' and tx.height > 5" || true
	@echo
	@echo "== examples/eventbus"
	@$(GO) run ./examples/eventbus
	@echo
	@echo "== examples/typed"
	@$(GO) run ./examples/typed
	@echo
	@echo "== examples/resume"
	@$(GO) run ./examples/resume
	@echo
	@echo "== natsbus/example (an embedded NATS server, three buses)"
	@cd natsbus && $(GO) run ./example

## compat: Tendermint v0.34's and CometBFT's own libs/pubsub tests against this checkout,
## from the Go module cache, with their import paths rewritten (internal/cmd/compat)
compat:
	$(GO) run ./internal/cmd/compat

## chart: publish cost against the number of subscriptions, querybus, CometBFT and the
## bare-channel floor side by side (fuzz/cometbft), drawn into docs/publish.svg
CHART_OUT ?= docs/publish.svg
chart:
	@mkdir -p $(dir $(CHART_OUT))
	cd fuzz/cometbft && $(GO) test -run='^$$' -bench='^BenchmarkPublish$$' -benchmem -count=$(BENCH_COUNT) . > publish.txt; \
	  status=$$?; cat publish.txt; exit $$status
	cd tools/benchplot && $(GO) run . -in ../../fuzz/cometbft/publish.txt -bench BenchmarkPublish -x N -out ../../$(CHART_OUT)

## lint: staticcheck, when it can be installed from the module proxy
lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@latest ./...
