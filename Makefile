# Capacity Ledger — build, test, demo and benchmark.
#   make demo    install what is missing, build, and open the console on the Rainier history
#   make test    install what is missing, run every test (swift test + terminal tests)
#   make bench   release build and the benchmark table (not part of make test)

SWIFT      ?= swift
APT_PKGS   := libedit-dev pkg-config
BIN_DEBUG   = .build/debug/capacity

.PHONY: all deps build release test demo bench format clean

all: build

# System packages: installed with apt-get only when missing (CI and fresh machines).
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: build
	@rm -f /tmp/capacity-demo.ledger
	$(BIN_DEBUG) import --quiet --ledger /tmp/capacity-demo.ledger events/catalog.jsonl
	$(BIN_DEBUG) import --quiet --ledger /tmp/capacity-demo.ledger events/rainier.jsonl
	$(BIN_DEBUG) verify --ledger /tmp/capacity-demo.ledger

format:
	@command -v swift-format >/dev/null && swift-format format --in-place --recursive Sources Tests || \
	  $(SWIFT) format --in-place --recursive Sources Tests

clean:
	rm -rf .build
