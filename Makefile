# The two commands a new user needs: `make run` (the Docker-free local API) and `make test`.
# Each creates its own virtual environment from requirements/ on first use.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 3000
VENV := .venv
SAM_VENV := .venv-sam
BIN := $(VENV)/bin
SAM := $(SAM_VENV)/bin/sam
# Optional: a Python 3.13 lets the build ship bytecode for Lambda's runtime (faster cold starts; see README).
PYTHON313 ?= $(firstword $(foreach python,python3.13 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13),\
	$(shell $(python) -c "import sys; print(sys.executable)" 2>/dev/null)))
export PYTHON313
export SAM_CLI_TELEMETRY = 0

.PHONY: run test lint typecheck pytest fuzz build validate bench clean

# exec: the server is make's own child, so `kill <make's pid>` stops it too (make passes SIGTERM to its children).
run: $(VENV)/.local.stamp
	HOST=$(HOST) PORT=$(PORT) exec $(BIN)/python -m local_api

test: lint typecheck pytest

lint: $(VENV)/.dev.stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml

typecheck: $(VENV)/.dev.stamp
	$(BIN)/mypy

pytest: $(VENV)/.dev.stamp $(SAM_VENV)/.stamp
	SAM_CLI=$(abspath $(SAM)) $(BIN)/python -m pytest

# A long hunt for inputs that break the property tests (every test marked `hypothesis`): thousands of random
# examples each instead of make test's few (profiles in tests/conftest.py). FUZZ_EXAMPLES=50000 make fuzz for more.
FUZZ_EXAMPLES ?= 5000
fuzz: $(VENV)/.dev.stamp
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -m hypothesis -q

# sam build without Docker: every function and the layer use BuildMethod: makefile, and the layer's Makefile
# asks pip for arm64 cp313 wheels, so any host Python 3.11+ can build it.
build: $(SAM_VENV)/.stamp
	PYTHON=$(abspath $(BIN))/python $(SAM) build

validate: $(SAM_VENV)/.stamp
	$(SAM) validate --lint

bench: $(VENV)/.dev.stamp
	status=0; $(BIN)/python -m bench.cold_start || status=1; PYTHONPATH=layers/shared:functions/moderation $(BIN)/python -m bench.moderation_speed || status=1; exit $$status

$(VENV)/.local.stamp: requirements/local.txt requirements/runtime.txt layers/shared/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/local.txt
	touch $@

$(VENV)/.dev.stamp: $(VENV)/.local.stamp requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

$(SAM_VENV)/.stamp: requirements/sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/sam.txt
	touch $@

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
