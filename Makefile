# Griffin Lab: `make lab` starts JupyterLab with Griffin; `make test` runs every test.
# Both install what they need through `make install` (idempotent, fast when done).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LABEXT := griffin_lab/labextension/package.json
LABEXT_SOURCES := package.json yarn.lock tsconfig.json .yarnrc.yml server_ext/griffin-api.d.ts \
	$(shell find labextension -type f 2>/dev/null)
PYTEST_ARGS ?=
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install lab test system-deps lint format openapi clean bench

install: $(VENV)/.installed

# 1. The virtual environment with the build tools (jlpm comes with jupyterlab).
$(VENV)/.base:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt "jupyterlab>=4.6,<5" "hatchling>=1.21" \
		"hatch-jupyter-builder>=0.9" "hatch-nodejs-version>=0.3.2" "jupyter-builder>=1.0" editables
	touch $@

# 2. The labextension, rebuilt only when its sources change.
$(LABEXT): $(VENV)/.base $(LABEXT_SOURCES)
	$(BIN)/jlpm install --immutable
	$(BIN)/jlpm build:prod
	touch $@

# 3. The package and every optional engine, editable; the labextension linked into the venv.
$(VENV)/.installed: $(VENV)/.base $(LABEXT) pyproject.toml constraints.txt
	$(BIN)/python -m pip install -q -c constraints.txt --no-build-isolation -e ".[all,dev]"
	$(BIN)/jupyter-builder develop --overwrite . >/dev/null
	touch $@

system-deps:
	./scripts/system-deps.sh

lab: install
	$(BIN)/griffin lab

test: install system-deps
	$(BIN)/ruff check griffin_lab tests benchmarks
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check griffin_lab tests benchmarks
	$(BIN)/jlpm check:types

format: install
	$(BIN)/ruff format griffin_lab tests benchmarks
	$(BIN)/ruff check --fix griffin_lab tests benchmarks

# Regenerate the committed OpenAPI spec and the TypeScript types built from it.
openapi: install
	$(BIN)/python -m griffin_lab.api.openapi
	$(BIN)/jlpm build:api-types

bench: install
	$(BIN)/python -m benchmarks.import_cost

clean:
	rm -rf lib griffin_lab/labextension tsconfig.tsbuildinfo test-artifacts
