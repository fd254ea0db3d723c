# paysessions. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO            ?= go
# GO_BUILD is go build for the programs make runs here (make run, make
# start-api). -buildvcs=false: a checkout another user owns (a folder
# mounted into a container, a CI runner's workspace, a clone made with
# sudo) is one git refuses to read ("detected dubious ownership"), and go
# build, which stamps each binary with the checkout's git state, then stops
# ("error obtaining VCS status: exit status 128"); nothing reads that stamp.
GO_BUILD      = $(GO) build -buildvcs=false
# Where SAM's makefile build puts a function's bootstrap; `make build` sets it
# per function under bin/.
ARTIFACTS_DIR ?= bin/lambda
# shell_quote is $(1) as one shell word: in single quotes, each of its own
# quotes written '\''.
shell_quote = '$(subst ','\'',$(1))'
# SAM passes ARTIFACTS_DIR as an absolute path under the project
# (<project>/.aws-sam/build/<LogicalId>), so it holds whatever the clone's
# folder is named: quoted, a space, quote, `*` or `$` in it is part of the
# path (unquoted, go build got `-o /home/me/my` and a package `repo/...`),
# and its value as given ($(value ...)), for make would read a `$` in it as
# one of its own variables. GOARM64=v8.0 is Go's default, named so that one
# the shell exports or go env -w sets (v9.0) cannot reach Lambda's arm64,
# Graviton2 (Armv8.2). -race=false: a deployment has no race detector, and
# GOFLAGS=-race exported (GOFLAGS=-race make run) failed these CGO_ENABLED=0
# builds with "go: -race requires cgo"; a command-line flag wins over GOFLAGS.
# -buildvcs=false: see GO_BUILD below.
LAMBDA_BUILD  = GOOS=linux GOARCH=arm64 GOARM64=v8.0 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags="-s -w" -race=false -buildvcs=false -o $(call shell_quote,$(value ARTIFACTS_DIR)/bootstrap)

# The functions: one directory under functions/ each (its main package).
# A function's LogicalId in template.yaml is its directory in CamelCase
# followed by Function (functions/get-session is GetSessionFunction), so one
# pattern rule, build-%Function below, builds every function;
# functions/template_test.go holds the template to the rule.
FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
# function_dir: the directory of a LogicalId's stem (GetSession -> get-session).
function_dir = $(shell printf '%s' '$(1)' | sed -E 's/([a-z0-9])([A-Z])/\1-\2/g' | tr '[:upper:]' '[:lower:]')
# logical_id: the LogicalId of a directory (get-session -> GetSessionFunction).
logical_id = $(shell printf '%s' '$(1)' | awk -F- '{ for (i = 1; i <= NF; i++) printf "%s%s", toupper(substr($$i, 1, 1)), substr($$i, 2); print "Function" }')

.PHONY: help run start-api smoke test test-short lint build clean deps deploy bench fuzz

help: ## List the targets.
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'
	@printf "  %-12s %s\n" "invoke-<fn>" "sam local invoke of a function with its events/ sample, e.g. make invoke-get-session"

deps: ## Download Go modules (DynamoDB Local installs itself on first use).
	$(GO) mod download

# What make builds it runs here (make run, start-api, test, test-short,
# bench, fuzz), so for this machine: a GOOS or GOARCH the shell exports
# (left from a cross-compile) would build it for another (GOOS=darwin make
# run: minutes of compiling, then `Exec format error`; make test's
# bootstraps for linux/<that GOARCH>). Not passed on, Go takes the
# machine's. The Lambda builds name their own (LAMBDA_BUILD: linux/arm64).
unexport GOOS GOARCH

# first_build says, before a build of $(1) that has not been made here yet
# (a new clone, after make clean), that Go may be compiling every module for
# the first time: minutes without output otherwise look like a hang. A
# rebuild, its modules in Go's cache, takes seconds and says nothing.
# make build asks it of its first function's bootstrap: its linux/arm64
# build compiles every module again even after make run (275 s on a fresh
# machine, 16 s rebuilt).
first_build = @[ -e $(1) ] || echo "Building $(1): a first build compiles every module (the AWS SDK among them) and can take several minutes; later builds take seconds."

run: deps ## Start the whole API locally on 127.0.0.1:3000 (PORT) with DynamoDB Local.
	$(call first_build,bin/localapi)
	$(GO_BUILD) -o bin/localapi ./cmd/localapi
	./bin/localapi

start-api: deps ## The template's API as sam local start-api runs it, without Docker: the 13 real bootstraps under aws-lambda-rie, on 127.0.0.1:3000 (PORT).
	$(call first_build,bin/startapi)
	$(GO_BUILD) -o bin/startapi ./cmd/startapi
	./bin/startapi

# API_URL, TOKEN and PROC_TOKEN reach the program through the environment
# (make exports command-line variables), so no token is echoed.
smoke: ## End-to-end check of a running API: make smoke API_URL=<url> [TOKEN=<merchant's> PROC_TOKEN=<processor's>].
	@$(GO) run ./cmd/smoke

# PLAIN_TESTS gain nothing from the race detector, which finds memory two
# goroutines touch unordered, and it made them 3 to 10 times slower each.
# Some only compute: they start no goroutine and call nothing that does (a
# model, exhaustive checks of pure functions, a scan of files). The others
# run at a scale a document or issue names (a flood of hostile tokens, a
# list the size of the Lambda response quota, every response checked
# against the OpenAPI document), and what they run concurrently is run
# concurrently under the detector by smaller tests, which each names in
# its doc comment ("is checked under the detector by ..."). Under -race
# they skip (racemode.OnlyWithoutDetector); make test's second pass, built
# without the detector, runs them. docs' TestPlainTestsAreTheMakefiles
# holds this list to the tests that skip, so none runs in neither pass,
# and each to its reason.
PLAIN_TESTS := TestHeatModel|TestDigitBoundTable|TestTooFewDigitsExactForEveryCharacter|TestDigitBoundHoldsAcrossCharacters|TestNormalisedReadingLeavesOutOnlyNothing|TestCardGuardMatchesReference|TestUUIDsAreIdentifiers|TestCardSeparatorMatchesReference|TestNormalFormCostStaysNearTheText|TestShortTextsOutsideNFKCAllocateNearTheirSize|TestLoggedPathOfShortSegmentsAllocatesNearItsSize|TestLoggedPathOfOneLongSegmentIsNotNormalisedWhole|TestLoggedPathOfAPlainPathCopiesNothingMore|TestHoldsCardNumberAllocationsDoNotGrow|TestLoggedPathAgreesWithRounds|TestLoggedPathAgreesWithRoundsOnSplitCards|TestLoggedPathHidesNormalisedThenDecodedCardNumbers|TestListCapacity|TestNoReferenceLeavesTheRepository|TestOpenAPIMatchesRealResponses|TestCorpusPerRouteAnswersAsOnAWS|TestHostileTokenFloodLeavesNoState|TestTokenCacheMemoryIsBounded|TestAPIKeyCacheKeepsLiveKeysThroughAFlood|TestLambdaListWithinOneResponse|TestSessionRecordsTooLarge|TestListIsEverySessionASingleReadFinds|TestWholeDayGzipBodyIsCountedToTheByte|TestItemLimitIs380KBWith4KBReserved|TestChangeLimitOfEveryTransition|TestWholeDayGzipStopsOnceFull|TestListPageCapacity|TestPageBoundCountsGzipsWorstCase|TestCloseWithDataStillEndsMoney|TestFullOfEventsStillCloses|TestItemSizeCountsAsDynamoDB|TestFamilyChangeNeverRefusedForTheOtherSize|TestFamilyDeclinedCancellationNeverRefusedForTheParentsSize|TestBodiesOverAWSQuotasAreAPIGatewaysOwn413|TestStackEventQuotaIsAtMostSixMiB|TestInvokeResponseQuota|TestStackAnswersAStalledBodyOverTheQuotaWithinItsBound|TestLocalBodyQuotaIsAtMostTenMB|TestAStalledBodyOverTheQuotaIsAnsweredWithinItsBound|TestEventQuotaIsAtMostSixMiB|TestLoggedPathIsBounded|TestWholeDayPlainBodyIsCountedToTheByte|TestGzipBoundHoldsGzipsWorstCase|TestFamilySequencesInMemoryToDepthThree|TestPoliciesAreWhatTheCodeCanReach

# The second pass builds only the test binaries that have something to run
# in it: those of the packages whose test files call
# racemode.OnlyWithoutDetector (PLAIN_PKGS) or hold a benchmark
# (BENCH_PKGS), found in the files when make test runs, so a new one is run
# without a change here. A go test links every package's test binary again
# each time it is run (the build cache keeps compiled packages, not test
# binaries): the same ./... for both cost about 50 links of 2 to 4 CPU
# seconds each, most of them for packages with nothing to run.
# docs' TestPlainTestsAreTheMakefiles holds both lists to the tests.
test_dirs = $(sort $(patsubst %/,%,$(dir $(shell grep -rlE --include='*_test.go' --exclude-dir=testdata --exclude-dir=.git --exclude-dir=.dynamodb-local --exclude-dir=bin '$(1)' .))))
lparen := (
PLAIN_PKGS = $(call test_dirs,racemode[.]OnlyWithoutDetector[$(lparen)])
BENCH_PKGS = $(call test_dirs,^func Benchmark)

# Every benchmark also runs once (-benchtime 1x, seconds): make bench runs
# them for real, and one that no longer runs (a fake DynamoDB answering what
# the client refuses) should fail here, not in the next make bench. The
# second pass, without -race, runs PLAIN_TESTS, then the benchmarks: a go
# test given -bench runs its packages' binaries one at a time (so that no
# benchmark shares the machine), and with the tests in the same run the
# plain tests of every package waited on each other's.
#
# go test -race needs cgo, which Go turns off by itself when it finds no C
# compiler (gcc) on PATH: the first line says so before anything is built
# or started, where go test said it only after the engine had started, as
# "-race requires cgo; enable cgo by setting CGO_ENABLED=1" (which then
# fails for want of gcc).
#
# The race pass names its longest packages before ./... (RACE_FIRST; go
# test runs each package once, in the order named, as many at a time as
# -p, the machine's CPUs): in ./...'s order shared/store, the longest and
# mostly waiting on DynamoDB Local's answers, came last and ran alone for
# the pass's last minutes (460 of a loaded run's 1,835 s, r107-testcost);
# started first, the short packages fill the other slot after it.
RACE_FIRST := ./shared/store ./shared/sweep ./cmd/localapi ./shared/httpapi

# The functions are built first, once, for this machine with LAMBDA_BUILD's
# flags (as start-api runs them), into a directory the test binaries that
# run them start from (APITARGET_BOOTSTRAPS, apitarget.BuildBootstraps):
# their own go build then finds them up to date and links nothing, where
# each linked all 13 again. A binary out of date is linked again all the
# same.
test: deps ## Run every test against one DynamoDB Local (-race; PLAIN_TESTS without it), and every benchmark once.
	@[ "$$($(GO) env CGO_ENABLED)" = 1 ] || { echo "make test: go test -race needs cgo, and cgo is off (go env CGO_ENABLED is not 1): Go turns it off when no C compiler (gcc) is on PATH; install one (apt install gcc), and leave CGO_ENABLED unset or 1; make test-short needs none."; exit 1; }
	bootstraps=$$(mktemp -d) && trap 'rm -rf "$$bootstraps"' EXIT && \
	GOOS=linux CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags="-s -w" -race=false -buildvcs=false -o "$$bootstraps/" ./functions/... && \
	APITARGET_BOOTSTRAPS="$$bootstraps" $(GO) run ./cmd/dynamodb-local -- sh -c 'start=$$(date +%s) && $(GO) test -race -count=1 -timeout 12m $(RACE_FIRST) ./... && echo "make test: the race pass took $$(($$(date +%s) - start)) s" && start=$$(date +%s) && $(GO) test -count=1 -run "^($(PLAIN_TESTS))$$" $(PLAIN_PKGS) && $(GO) test -count=1 -run "^$$" -bench . -benchtime 1x $(BENCH_PKGS) && echo "make test: the second pass took $$(($$(date +%s) - start)) s"'

# -short leaves out what needs DynamoDB Local (the store, the end-to-end
# tests, the bootstraps, start-api) and starts no engine; the handlers'
# tests run on the in-memory store. CI set makes storetest run them anyway,
# each package starting its own engine, which takes about as long as make
# test's passes: so -timeout 12m, make test's, where go test's default 10
# minutes stopped cmd/localapi's tests on a loaded machine (r92-fresh).
#
# SKIP_PLAIN=1 (CI's: .ci/run runs make test right after) leaves
# PLAIN_TESTS out (go test -skip): make test's second pass runs every one
# of them built as test-short builds them (no -race) and at full scale,
# where test-short ran the same tests again, most of them as they run
# there (the heat model, the IAM analysis, the exhaustive card and
# logged-path checks: about half of CI's test-short, r110-testcost). A
# make test-short alone runs them.
test-short: deps ## Run the tests that need no DynamoDB Local and no Java (go test -short), in about two minutes on 2 cores (warm caches).
	$(GO) test -short -timeout 12m$(if $(SKIP_PLAIN), -skip "^($(PLAIN_TESTS))$$") ./...

# gofmt checks the .go files find finds, not git's list: in a folder that
# is not a git clone (a source archive) git ls-files listed none, and
# gofmt -l given no file read make's input (a terminal: waited for ever;
# CI's closed input: passed, having checked nothing); and a new file is
# checked before it is added. Build output and the engine are left out.
# cfn-lint is a Python tool (pip install cfn-lint), not one of the machine
# requirements: without it the template check is skipped, saying so, except
# in CI (CI set), where it must run.
lint: ## go vet, gofmt, staticcheck (pinned in go.mod), go.mod/go.sum tidy, cfn-lint (when installed; always in CI).
	$(GO) vet ./...
	@unformatted=$$(find . \( -name .git -o -path ./.dynamodb-local -o -path ./.aws-sam -o -path ./bin \) -prune -o -name '*.go' -exec gofmt -l {} + </dev/null); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) tool staticcheck ./...
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	@if command -v cfn-lint >/dev/null 2>&1; then echo "cfn-lint template.yaml"; cfn-lint template.yaml; \
	elif [ -n "$$CI" ]; then echo "lint: cfn-lint is not on PATH, and CI must check template.yaml with it (pip install cfn-lint)"; exit 1; \
	else echo "lint: cfn-lint is not on PATH (pip install cfn-lint): template.yaml was NOT checked by it (CI checks it)"; fi

build: ## Build every function's bootstrap (linux/arm64) under bin/<function>/, through the targets SAM runs.
	$(call first_build,bin/$(firstword $(FUNCTIONS))/bootstrap)
	@set -e; $(foreach d,$(FUNCTIONS),echo "build $(d)"; $(MAKE) --no-print-directory build-$(call logical_id,$(d)) ARTIFACTS_DIR=bin/$(d);)

clean: ## Remove build output.
	rm -rf bin .aws-sam

FUZZTIME ?= 60s
# Minimising an input the fuzzer found interesting may take 60 s by default,
# during which it fuzzes nothing: with long inputs (tokens, keys) that was
# most of FUZZTIME. Bounded by executions, not time: Go's minimiser tries
# O(n^2) candidates for an n-byte input, so a slow target with long inputs
# (FuzzKeySet's JWKS documents, ~1 ms an input with keys) spent the whole
# bound on each of its many interesting inputs (5 s each at 5s: as few as 29
# inputs fuzzed in 20 s), where 2,000 tries cost it well under a second and a fast
# target milliseconds. A crasher is minimised as far as 2,000 tries go; run
# its target with -fuzzminimizetime 60s to shrink it further.
FUZZMINIMIZETIME ?= 2000x
# No fuzz target needs DynamoDB Local (the handlers fuzz on the in-memory
# store), and -run '^$' runs no test that would: -short keeps each test
# binary from starting an engine, and CI= keeps that so in CI too (where
# storetest otherwise ignores -short).
FUZZ_GO_TEST = CI= $(GO) test -short
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" as -fuzztime ends, writing no failing input (golang/go#75804,
# fixed in Go 1.27; seen here on FuzzPostEvent): such a run is reported and
# the next target fuzzed. Any other failure stops make fuzz.
fuzz: ## Fuzz every Fuzz* target for FUZZTIME each (default 60s); needs no DynamoDB Local.
	@set -e -o pipefail; out=$$(mktemp); trap 'rm -f "$$out"' EXIT; \
	pkgs=$$($(GO) list ./...); \
	for pkg in $$pkgs; do \
		targets=$$($(FUZZ_GO_TEST) -list "^Fuzz" $$pkg) || { echo "fuzz: $$pkg: go test -list failed: its Fuzz targets were not fuzzed"; exit 1; }; \
		for target in $$(echo "$$targets" | grep "^Fuzz" || true); do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			if ! $(FUZZ_GO_TEST) -run "^$$" -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg 2>&1 | tee "$$out"; then \
				if grep -qx "    context deadline exceeded" "$$out" && ! grep -q "Failing input written" "$$out"; then \
					echo "fuzz: $$target: Go's coordinator missed its own deadline (golang/go#75804); no failing input, not a finding"; \
				else exit 1; fi; \
			fi; \
		done; \
	done

bench: ## Run the benchmark suite (several minutes; BENCHMARKS.md's "Measured by" line has the last run's): prints the table and writes BENCHMARKS.md.
	$(GO) run ./cmd/bench

deploy: ## sam build && sam deploy (the first time: make deploy GUIDED=1).
	sam build
	sam deploy $(if $(GUIDED),--guided)

# make invoke-<function-directory>, e.g. make invoke-get-session: runs the
# function in sam local with its events/ sample, TOKEN and API_KEY put in
# for the sample's placeholders (see README, "sam local").
invoke-%:
	@$(if $(filter $*,$(FUNCTIONS)),,echo "no function directory $*: one of $(FUNCTIONS)"; exit 1;) \
	mkdir -p bin; sed -e "s|REPLACE_WITH_TOKEN|$${TOKEN}|; s|REPLACE_WITH_API_KEY|$${API_KEY}|" events/$*.json > bin/event-$*.json; \
	sam local invoke $(call logical_id,$*) --event bin/event-$*.json --config-env local $(if $(PARAMETER_OVERRIDES),--parameter-overrides "$(PARAMETER_OVERRIDES)")

# SAM (BuildMethod: makefile) runs make build-<LogicalId> with ARTIFACTS_DIR
# set, e.g. build-GetSessionFunction: this rule builds
# ./functions/get-session into $(ARTIFACTS_DIR)/bootstrap.
build-%Function:
	$(if $(filter $(call function_dir,$*),$(FUNCTIONS)),,$(error $@: no functions/$(call function_dir,$*)/main.go; a function's LogicalId is its directory in CamelCase followed by Function))
	$(LAMBDA_BUILD) ./functions/$(call function_dir,$*)
