# SAA build, test and benchmark entry points. `make help` lists them.
GO      ?= go
PLUGINS := echo http_fetch github tickets warehouse mail
NPM_DIRS := host/auth/interop host/httpapi/lint host/mcp/interop pdk/jshost

.PHONY: help build plugins run test test-deps race bench bench-http bench-rag bench-semantic check clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: bin/saa plugins ## build bin/saa and every first-party plugin

bin/saa: FORCE
	$(GO) build -trimpath -o bin/saa ./cmd/saa

plugins: bin/saa ## build the first-party plugins and pin their sha256 in manifests/
	@for p in $(PLUGINS); do bin/saa plugin build plugins/$$p || exit 1; done
	@bin/saa plugin build plugins/conformance --manifest plugins/conformance/manifest.yaml

run: build ## build and start `saa serve` on the embedded defaults
	bin/saa serve

test-deps: ## install the npm packages the interop and lint tests use (again when a lock file changes)
	@for d in $(NPM_DIRS); do [ $$d/node_modules/.package-lock.json -nt $$d/package-lock.json ] || npm ci --no-audit --no-fund --prefix $$d || exit 1; done

test: build test-deps ## run every test
	$(GO) test -count=1 -timeout 15m ./...

race: build test-deps ## every test under the race detector (slower)
	$(GO) test -race -count=1 -timeout 30m ./...

bench: build ## Go benchmarks of the runtime and auth, each beside its baseline
	$(GO) test -run '^$$' -bench . -benchtime 2s ./host/...

bench-http: build ## HTTP load on POST /v1/actions/echo/echo beside a bare chi floor: 32 connections, 15 s each
	$(GO) run ./host/httpapi/internal/loadgen -saa bin/saa -plugins-dir manifests -concurrency 32 -duration 15s

bench-rag: ## RAG: ingest 10 MiB, search at 1k/10k/100k chunks beside chromem-go, top-5 hit rate on 5,000 tickets
	$(GO) run ./host/rag/internal/ragbench -sizes 1000,10000,100000 -queries 50

bench-semantic: ## schema-linking recall of the semantic layer on BIRD mini-dev, beside naive baselines
	$(GO) run ./semantic/internal/benchsemantic

check: ## gofmt, go vet, go mod tidy; fail if anything changed
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy
	git diff --exit-code -- go.mod go.sum manifests plugins/conformance/manifest.yaml

clean:
	rm -rf bin plugins/*/*.wasm

FORCE:
