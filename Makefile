# Capacity Ledger — build, test, demo and benchmark.
#   make demo    install what is missing, build, and open the console on the Rainier history
#   make install release build to $(PREFIX)/bin/capacity (PREFIX=/usr/local), the demo history to
#                $(PREFIX)/share/capacity/events, where `capacity demo` finds it
#   make test    install what is missing, run every test (swift test, terminal tests, hostile-input
#                corpus, crash and fault tests)
#   make crash   the kill -9 loop with 500 kills (CRASH_KILLS=N), then the crash and fault tests in full
#   make bench   release build and the benchmark table (not part of make test)
#   make fuzz    libFuzzer on every parser, FUZZ_SECONDS (default 60) per target (docs/fuzzing.md)

SWIFT      ?= swift
APT_PKGS   := libedit-dev pkg-config
BIN_DEBUG   = .build/debug/capacity
BIN_RELEASE = .build/release/capacity
PREFIX     ?= /usr/local

.PHONY: all deps pydeps build release install test crash demo bench fuzz fuzz-build format clean

all: build

# System packages: installed with apt-get only when missing (CI and fresh machines).
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Python modules for the terminal tests (pexpect drives the console under a pseudo-terminal).
pydeps:
	@python3 -c "import pexpect, pytest" 2>/dev/null || python3 -m pip install --quiet pexpect pytest

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --static-swift-stdlib

# The release binary (its Swift libraries linked in) and the demo history beside it: capacity demo
# looks in <its directory>/../share/capacity/events. DESTDIR stages the files for a package.
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/capacity/events
	install -m 0755 $(BIN_RELEASE) $(DESTDIR)$(PREFIX)/bin/capacity
	install -m 0644 events/catalog.jsonl events/rainier.jsonl $(DESTDIR)$(PREFIX)/share/capacity/events/

test: deps pydeps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 -m pytest -q Tests/terminal Tests/hostile Tests/docs
	python3 -m pytest -q -rsx Tests/crash

# Crash and fault tests at length (Tests/crash): the kill -9 loop with CRASH_KILLS kills, then the
# truncation and failing-write tests with CRASH_THOROUGH=1 (more cuts in the larger batches, and
# failures injected into a 7,000-event import written by the writer thread). Not part of make test.
CRASH_KILLS ?= 500
crash: build pydeps
	python3 Tests/crash/crash_loop.py --kills $(CRASH_KILLS)
	CRASH_THOROUGH=1 python3 -m pytest -q -rsx Tests/crash --deselect Tests/crash/test_crash_loop.py::test_kill_loop

# The console on a fresh ledger of the Rainier history (batch mode when stdin is not a terminal).
demo: build
	$(BIN_DEBUG) demo

# Release build, then the benchmark table for N = 1M and 10M with SQLite, DuckDB and eventsourcing
# side by side (tens of minutes; BENCH_SIZES=100000 for a quick run). Not part of make test.
bench: release
	@dpkg -s time >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq time >/dev/null; }
	python3 Benchmarks/bench.py

# Fuzzing (docs/fuzzing.md): the harness built with libFuzzer and AddressSanitizer (both ship with
# the Swift toolchain) in a scratch folder of its own, then each target run for FUZZ_SECONDS on
# the committed corpus. New inputs are kept in .build-fuzz/corpus/TARGET, a failing input is saved
# in .build-fuzz/findings/TARGET; the run fails when any target found one.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= jsonline words record checkpoint query
FUZZ_BIN      = .build-fuzz/release/capacity-fuzz

fuzz-build: deps
	CAPACITY_FUZZ=1 $(SWIFT) build --scratch-path .build-fuzz -c release --product capacity-fuzz \
	  --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address

fuzz: fuzz-build
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  case $$t in checkpoint) len=32768;; record) len=8192;; *) len=4096;; esac; \
	  mkdir -p .build-fuzz/corpus/$$t .build-fuzz/findings/$$t; \
	  echo "fuzz $$t: $(FUZZ_SECONDS) s (log in .build-fuzz/$$t.log)"; \
	  if SWIFT_BACKTRACE=enable=no FUZZ_TARGET=$$t $(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=$$len -timeout=10 -rss_limit_mb=2048 \
	       -print_final_stats=1 -artifact_prefix=.build-fuzz/findings/$$t/ \
	       .build-fuzz/corpus/$$t Tests/Fuzz/corpus/$$t > .build-fuzz/$$t.log 2>&1; then \
	    grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs' .build-fuzz/$$t.log | sed "s/^/  $$t: /"; \
	  else \
	    failed="$$failed $$t"; grep -E 'ERROR|Fatal error|runtime failure|Test unit written' .build-fuzz/$$t.log | sed "s/^/  $$t: /"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: findings in:$$failed (see docs/fuzzing.md)"; exit 1; fi

format:
	@command -v swift-format >/dev/null && swift-format format --in-place --recursive Sources Tests || \
	  $(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build
