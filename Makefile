# paysessions. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO            ?= go
# Where SAM's makefile build puts a function's bootstrap; `make build` sets it
# per function under bin/.
ARTIFACTS_DIR ?= bin/lambda
LAMBDA_BUILD  = GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags="-s -w" -o $(ARTIFACTS_DIR)/bootstrap

# LogicalId:function-directory, one per Lambda in template.yaml.
FUNCTIONS := \
	CreateSessionFunction:create-session \
	GetSessionFunction:get-session \
	PostSessionEventFunction:post-session-event \
	CancelSessionFunction:cancel-session \
	SessionV1Function:session-v1 \
	PaymentStatusFunction:payment-status \
	PaymentSessionFunction:payment-session \
	CheckoutSessionFunction:checkout-session \
	SessionRecordsFunction:session-records \
	SessionRecordFunction:session-record \
	CreateApiKeyFunction:create-api-key \
	DeleteApiKeyFunction:delete-api-key \
	ExpirySweeperFunction:expiry-sweeper

.PHONY: help run start-api smoke test lint build clean deps deploy bench fuzz

help: ## List the targets.
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'
	@echo "  invoke-<fn>   sam local invoke of a function with its events/ sample, e.g. make invoke-get-session"

deps: ## Download Go modules (DynamoDB Local installs itself on first use).
	$(GO) mod download

run: deps ## Start the whole API locally on 127.0.0.1:3000 (PORT) with DynamoDB Local.
	$(GO) build -o bin/localapi ./cmd/localapi
	./bin/localapi

start-api: deps ## The template's API as sam local start-api runs it, without Docker: the 13 real bootstraps under aws-lambda-rie, on 127.0.0.1:3000 (PORT).
	$(GO) build -o bin/startapi ./cmd/startapi
	./bin/startapi

# API_URL, TOKEN and PROC_TOKEN reach the program through the environment
# (make exports command-line variables), so no token is echoed.
smoke: ## End-to-end check of a running API: make smoke API_URL=<url> [TOKEN=<merchant's> PROC_TOKEN=<processor's>].
	@$(GO) run ./cmd/smoke

test: deps ## Run every test against one DynamoDB Local.
	$(GO) run ./cmd/dynamodb-local -- $(GO) test -race -count=1 -timeout 12m ./...

lint: ## go vet, gofmt, staticcheck (pinned in go.mod), go.mod/go.sum tidy, cfn-lint.
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) tool staticcheck ./...
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	cfn-lint template.yaml

build: ## Build every function's bootstrap (linux/arm64) under bin/<function>/.
	@set -e; for f in $(FUNCTIONS); do id=$${f%%:*}; dir=$${f##*:}; \
		echo "build $$dir"; $(MAKE) --no-print-directory build-$$id ARTIFACTS_DIR=bin/$$dir; done

clean: ## Remove build output.
	rm -rf bin .aws-sam

FUZZTIME ?= 60s
# Minimising an input the fuzzer found interesting may take 60 s by default,
# during which it fuzzes nothing: with long inputs (tokens, keys) and a
# target that calls DynamoDB, that was most of FUZZTIME.
FUZZMINIMIZETIME ?= 5s
fuzz: ## Fuzz every Fuzz* target for FUZZTIME each (default 60s), against one DynamoDB Local.
	$(GO) run ./cmd/dynamodb-local -- bash -c 'set -e; \
		for pkg in $$($(GO) list ./...); do \
			for target in $$($(GO) test -list "^Fuzz" $$pkg | grep "^Fuzz" || true); do \
				echo "== $$pkg $$target ($(FUZZTIME))"; \
				$(GO) test -run "^$$" -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg; \
			done; \
		done'

bench: ## Run the benchmark suite (about 7 minutes): prints the table and writes BENCHMARKS.md.
	$(GO) run ./cmd/bench

deploy: ## sam build && sam deploy (the first time: make deploy GUIDED=1).
	sam build
	sam deploy $(if $(GUIDED),--guided)

# make invoke-<function-directory>, e.g. make invoke-get-session: runs the
# function in sam local with its events/ sample, TOKEN and API_KEY put in
# for the sample's placeholders (see README, "sam local").
invoke-%:
	@id=$$(printf '%s\n' $(FUNCTIONS) | awk -F: '$$2=="$*"{print $$1}'); \
	if [ -z "$$id" ]; then echo "no function directory $*: one of $(foreach f,$(FUNCTIONS),$(lastword $(subst :, ,$(f))))"; exit 1; fi; \
	mkdir -p bin; sed -e "s|REPLACE_WITH_TOKEN|$${TOKEN}|; s|REPLACE_WITH_API_KEY|$${API_KEY}|" events/$*.json > bin/event-$*.json; \
	sam local invoke $$id --event bin/event-$*.json --config-env local $(if $(PARAMETER_OVERRIDES),--parameter-overrides "$(PARAMETER_OVERRIDES)")

# SAM (BuildMethod: makefile) calls these with ARTIFACTS_DIR set.
build-CreateSessionFunction:
	$(LAMBDA_BUILD) ./functions/create-session
build-GetSessionFunction:
	$(LAMBDA_BUILD) ./functions/get-session
build-PostSessionEventFunction:
	$(LAMBDA_BUILD) ./functions/post-session-event
build-CancelSessionFunction:
	$(LAMBDA_BUILD) ./functions/cancel-session
build-SessionV1Function:
	$(LAMBDA_BUILD) ./functions/session-v1
build-PaymentStatusFunction:
	$(LAMBDA_BUILD) ./functions/payment-status
build-PaymentSessionFunction:
	$(LAMBDA_BUILD) ./functions/payment-session
build-CheckoutSessionFunction:
	$(LAMBDA_BUILD) ./functions/checkout-session
build-SessionRecordsFunction:
	$(LAMBDA_BUILD) ./functions/session-records
build-SessionRecordFunction:
	$(LAMBDA_BUILD) ./functions/session-record
build-CreateApiKeyFunction:
	$(LAMBDA_BUILD) ./functions/create-api-key
build-DeleteApiKeyFunction:
	$(LAMBDA_BUILD) ./functions/delete-api-key
build-ExpirySweeperFunction:
	$(LAMBDA_BUILD) ./functions/expiry-sweeper
