# Capacity Ledger — build, test, demo and benchmark.
#   make demo    install what is missing, build, and open the console on the Rainier history
#   make test    install what is missing, run every test (swift test, terminal tests, hostile-input
#                corpus, crash and fault tests)
#   make crash   the kill -9 loop with 500 kills (CRASH_KILLS=N), then the crash and fault tests in full
#   make bench   release build and the benchmark table (not part of make test)

SWIFT      ?= swift
APT_PKGS   := libedit-dev pkg-config
BIN_DEBUG   = .build/debug/capacity

.PHONY: all deps pydeps build release test crash demo bench format clean

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

test: deps pydeps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 -m pytest -q Tests/terminal Tests/hostile
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

format:
	@command -v swift-format >/dev/null && swift-format format --in-place --recursive Sources Tests || \
	  $(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build
