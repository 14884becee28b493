# ratioed: `make` lists the targets. Only `download` (and `report` with no snapshot yet, or a
# URL in SOURCE) touches the network; everything else runs offline.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV ?= .venv
PY := $(VENV)/bin/python
export JUPYTER_PREFER_ENV_PATH := 1

## ---- parameters: a named set, overridden by any variable given (empty = not set) -----------
# The variables are ratioed.params.PARAMETERS' (a test checks this list). Values are taken
# literally (`$`, quotes, backquotes, spaces and all) and reach Python only through the
# environment, never pasted into a shell line; Python checks them before any kernel starts.
PARAMS ?= params/default.yaml
PARAM_VARS := PARAMS SOURCE START END DAY_TZ DEFINITION HIGHLIGHT OBSERVATIONS WINDOW \
	DECLARED_COMPLETE SNAPSHOT_SHA256
$(foreach v,$(PARAM_VARS),$(eval override $(v) := $$(value $(v))))
export $(PARAM_VARS)

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]-*.ipynb notebooks/[0-9][0-9]-*.py))
LIBRARY := $(shell find src/ratioed -type f -not -path '*/__pycache__/*')

.PHONY: help install test report download lab sync bench lint clean FORCE

help: ## list the targets
	@echo "ratioed: reproduce the 'ratioed' Truth Social story. Targets:"
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z_-]+):.*## (.*)/  make \1\t\2/' | expand -t 22
	@$(PY) -m ratioed.params vars 2>/dev/null || echo "Parameters (make report VAR=...): $(PARAM_VARS)"

$(PY):
	python3 -m venv $(VENV)

install: $(PY) ## create .venv and install the package, test tools and the python3 kernel (registry)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ratioed)" >/dev/null

test: ## run the test suite (offline; real-data tests skip without ../shared)
	$(PY) -m pytest

report: reports/index.html ## run the notebooks and build reports/index.html (offline given SOURCE)

# the pre-flight, every time (~0.1 s, no kernel): validates the parameters, re-verifies the
# snapshots, and rewrites the stamp only when an input's content changed
build/inputs.stamp: FORCE
	@$(PY) -m ratioed.params check --stamp $@

reports/index.html: $(NOTEBOOKS) $(LIBRARY) build/inputs.stamp data/claims.yaml
	$(PY) -m ratioed report --make-vars
	@touch $@

download: ## download a new dated snapshot of the public archive into data/raw/ (network)
	$(PY) -m ratioed download --make-vars

lab: ## start JupyterLab on the project kernel; saving a notebook updates its .py pair
	$(PY) -m pip install --quiet -e '.[lab]'
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

sync: ## after editing a notebook's .py copy, update the .ipynb (or the other way round)
	$(VENV)/bin/jupytext --sync notebooks/[0-9][0-9]-*.ipynb

bench: ## run the benchmarks and rewrite benchmarks/RESULTS.md (minutes; not part of test)
	$(PY) benchmarks/run.py

lint: ## ruff over the library, tests and benchmarks
	$(VENV)/bin/ruff check src tests benchmarks

clean: ## remove what `make report` rebuilds (build/, reports/*, data/processed/*)
	rm -rf build
	mkdir -p reports data/processed
	find reports data/processed -mindepth 1 -not -name .gitkeep -delete

FORCE:

# never let make delete a published report (an interrupt after the swap would)
.PRECIOUS: reports/index.html
