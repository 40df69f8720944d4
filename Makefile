# IT-portalen. `make run` starts the portal with a private PostgreSQL and demo
# data; `make test` runs everything CI checks. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# Build, test and ship with a Go that has no known standard-library
# vulnerabilities (the machine's go downloads it from the module proxy once).
export GOTOOLCHAIN := go1.27.3
export GOFLAGS := -buildvcs=false

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

# The vulnerability database is itself a Go module: pinned, fetched through
# the module proxy, read offline.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018

TOOLS := go tool -modfile=$(CURDIR)/tools.mod
GO_TEST_FLAGS ?= -race -timeout 15m

# The checks of the Kubernetes manifests are a module of their own, so that
# what only they need (k8s.io and more) stays out of the application's
# go.mod. `go test ./...` and the other tools stop at a nested module: the
# Go targets below run in it as well.
DEPLOY_MODULE := internal/deploy

.PHONY: all build run test lint generate check-generate fmt-check vet staticcheck vulncheck \
        unit bench restore-drill deps-postgres deps-browser clean help

all: build

help:
	@echo "make run    - IT-portalen on http://127.0.0.1:8080 with a private PostgreSQL and demo data"
	@echo "make test   - everything CI checks (generate, gofmt, vet, staticcheck, govulncheck, tests)"
	@echo "make build  - bin/itportal"
	@echo "make lint   - gofmt, vet, staticcheck, govulncheck"
	@echo "make bench  - benchmarks (figures go to docs/performance.md)"

build:
	go build -trimpath -ldflags '$(LDFLAGS)' -o bin/itportal ./cmd/itportal

run: deps-postgres build
	./bin/itportal dev

test: deps-postgres deps-browser check-generate lint unit

# ITPORTAL_REQUIRE_BROWSER makes a missing browser or checker a failure of
# the browser journeys (a plain `go test` elsewhere skips them).
unit:
	ITPORTAL_REQUIRE_BROWSER=1 go test $(GO_TEST_FLAGS) ./...
	go -C $(DEPLOY_MODULE) test $(GO_TEST_FLAGS) ./...

lint: fmt-check vet staticcheck vulncheck

generate:
	go tool templ generate

# Generated templ code is committed; CI regenerates it and fails on a diff.
check-generate: generate
	@if ! git diff --quiet -- '*_templ.go' || [ -n "$$(git ls-files --others --exclude-standard -- '*_templ.go')" ]; then \
		echo "Generated templ files are out of date; run 'make generate' and commit:"; \
		git diff --stat -- '*_templ.go'; git ls-files --others --exclude-standard -- '*_templ.go'; exit 1; fi

fmt-check:
	@files="$$(git ls-files --cached --others --exclude-standard -- '*.go' | grep -v '_templ.go$$')"; \
	out="$$(gofmt -l $$files)"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...
	go -C $(DEPLOY_MODULE) vet ./...

staticcheck:
	$(TOOLS) staticcheck ./...
	cd $(DEPLOY_MODULE) && $(TOOLS) staticcheck ./...

# The deploy module is all tests, so govulncheck reads them (-test) there.
vulncheck:
	@dir="$$(go mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p')"; \
	test -n "$$dir" || { echo "could not fetch golang.org/x/vulndb@$(VULNDB_VERSION)"; exit 1; }; \
	$(TOOLS) govulncheck -db "file://$$dir/data/osv" ./...; \
	$(TOOLS) govulncheck -C $(DEPLOY_MODULE) -test -db "file://$$dir/data/osv" ./...

# Benchmarks are never part of `make test`'s pass/fail. The load benchmark
# writes its table into docs/performance.md; BENCH_FLAGS=-duration=3s for a
# quick look.
BENCH_FLAGS ?=
bench: deps-postgres
	go run ./bench -update docs/performance.md $(BENCH_FLAGS)
	go test -run '^$$' -bench . -benchmem ./internal/...

# The backup drill alone (it also runs in `make test`): demo data, a dump,
# a restore into a fresh cluster, the portal on it, every receipt hash and
# the audit chain verified, the time printed.
restore-drill: deps-postgres
	go test -count=1 -run '^TestRestoreDrill$$' -v ./cmd/itportal

# The browser journeys need Debian's Chromium, a Java runtime for the Nu HTML
# Checker, and the pinned npm packages (axe-core, vnu-jar) from e2e/'s lock file.
deps-browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing$$missing (apt-get)..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		else \
			echo "Missing for the browser journeys:$$missing. Install them (Debian: sudo apt-get install$$missing)."; exit 1; \
		fi; \
	fi
	@if [ ! -f e2e/node_modules/.package-lock.json ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then \
		cd e2e && npm ci --no-audit --no-fund --loglevel=error; fi

# The tests and `make run` use the system's PostgreSQL server binaries
# (initdb, pg_ctl). Install them when missing and allowed, else say how.
deps-postgres:
	@if command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing PostgreSQL server binaries (apt-get install postgresql)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	else \
		echo "PostgreSQL server binaries (initdb, pg_ctl) are missing."; \
		echo "Install them: sudo apt-get install postgresql (Debian/Ubuntu), or put initdb and pg_ctl on PATH."; \
		exit 1; \
	fi

clean:
	rm -rf bin
