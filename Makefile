# ratioed: `make` lists the targets. Only `download` (and `report` with no snapshot yet, or a
# URL in SOURCE) touches the network; everything else runs offline.
.DEFAULT_GOAL := help
SHELL := /bin/bash

## ---- environment: .venv (build + tests) and .venv-lab (JupyterLab), both from the lock -------
PYTHON ?= python3# the interpreter that creates the venvs: 3.11 or newer (e.g. PYTHON=python3.12)
VENV ?= .venv
PY := $(VENV)/bin/python
LOCK := requirements.lock# exact versions + hashes, Python 3.11-3.13 (`make lock` regenerates it)
LAB_LOCK := requirements-lab.lock# the same pins plus JupyterLab, for .venv-lab only
# stamp: .venv matches $(LOCK) and pyproject.toml. A VENV given by you (`make test VENV=~/env`)
# is used as it is: set-up manages only the project's own .venv.
INSTALLED := $(if $(filter file,$(origin VENV)),$(VENV)/.ratioed-installed)
LAB_VENV ?= .venv-lab
LAB_INSTALLED := $(LAB_VENV)/.ratioed-installed
LAB_ARGS ?=
HOOKS ?= yes# `no`: set-up leaves git's config alone (no nbstripout filter, no pre-commit hook)
export JUPYTER_PREFER_ENV_PATH := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

## ---- parameters: a named set, overridden by any variable given (empty = not set) -----------
# The variables are ratioed.pipeline.params.PARAMETERS' (a test checks this list). Values are taken
# literally (`$`, quotes, backquotes, spaces and all) and reach Python only through the
# environment, never pasted into a shell line; Python checks them before any kernel starts.
PARAMS ?= params/default.yaml
PARAM_VARS := PARAMS SOURCE START END DAY_TZ DEFINITION HIGHLIGHT OBSERVATIONS WINDOW \
	DECLARED_COMPLETE SNAPSHOT_SHA256 ACCOUNT REPLIES
$(foreach v,$(PARAM_VARS),$(eval override $(v) := $$(value $(v))))
export $(PARAM_VARS)

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]-*.ipynb notebooks/[0-9][0-9]-*.py))
LIBRARY := $(shell find src/ratioed -type f -not -path '*/__pycache__/*')

LOCK_OPTS = --universal --python-version 3.11 --fork-strategy fewest --generate-hashes --quiet \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

.PHONY: help install hooks test test-unit report download lab sync lock bench lint clean FORCE

help: ## list the targets
	@echo "ratioed: reproduce the 'ratioed' Truth Social story. Targets:"
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z_-]+):.*## (.*)/  make \1\t\2/' | expand -t 22
	@$(PY) -m ratioed.pipeline.params vars 2>/dev/null || echo "Parameters (make report VAR=...): $(PARAM_VARS)"

# One line, not a traceback, when the interpreter is missing or older than 3.11.
define check_python
@v=$$($(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || { \
  echo "ratioed: error: no Python at '$(1)': install Python 3.11 or newer and run e.g. \`make $(MAKECMDGOALS) PYTHON=python3.11\`" >&2; exit 1; }; \
case $$v in 3.1[1-9]|3.[2-9][0-9]|[4-9].*) ;; *) \
  echo "ratioed: error: Python $$v at '$(1)' is too old: ratioed needs 3.11 or newer (\`make $(MAKECMDGOALS) PYTHON=python3.11\`; remove $(VENV) if it was made with $$v)" >&2; exit 1;; esac
endef

$(PY):
	$(call check_python,$(PYTHON))
	$(PYTHON) -m venv $(VENV)

# Set-up, run by every target that needs .venv: exact versions from the lock, hashes checked
# (pip installs the locked uv, uv syncs the rest and removes anything the lock does not list,
# compiled to bytecode once: where PYTHONDONTWRITEBYTECODE is set, as in CI and many containers,
# every kernel would otherwise compile pandas again, 3 s a start), then the project itself (editable, no dependencies), the python3 kernel and the git hooks.
$(VENV)/.ratioed-installed: $(LOCK) pyproject.toml | $(PY)
	$(call check_python,$(PY))
	@echo "ratioed: installing the locked environment into $(VENV) (once; again when $(LOCK) or pyproject.toml change)"
	@test -x $(VENV)/bin/uv || awk '/^uv==/{p=1;print;next} /^[a-z]/{p=0} p' $(LOCK) \
	  | $(PY) -m pip install --quiet --require-hashes --no-deps -r /dev/stdin
	$(VENV)/bin/uv pip sync --quiet --compile-bytecode --python $(PY) --require-hashes $(LOCK)
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ratioed)" >/dev/null
	@$(MAKE) --no-print-directory hooks
	@touch $@

# set-up before the build, the download and the benchmarks; a new lock re-runs the build
# (the notebooks' fingerprints include the lock's hash, so only they decide what re-runs)
reports/index.html: $(wildcard $(LOCK)) | $(INSTALLED)
download bench: | $(INSTALLED)

install: $(VENV)/.ratioed-installed ## set up .venv from the lock (the other targets do this themselves when needed)

hooks: ## strip notebook outputs at `git add` (nbstripout filter) + pre-commit checks (run by set-up)
ifneq ($(HOOKS),no)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '"$(abspath $(PY))" -m nbstripout --keep-id' && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.required true && \
	  git config diff.ipynb.textconv '"$(abspath $(PY))" -m nbstripout --keep-id -t' && \
	  $(VENV)/bin/pre-commit install --install-hooks >/dev/null && \
	  echo "ratioed: git will strip notebook outputs at commit (nbstripout filter, pre-commit hook)"; \
	else echo "ratioed: not a git checkout: no commit hooks installed"; fi
endif

test: $(INSTALLED) ## run every test (offline; sets up .venv first if needed): what CI runs
	$(PY) -m pytest

test-unit: $(INSTALLED) ## the fast tier: no kernel, no browser, no cluster (under a minute)
	$(PY) -m pytest -q -m "not slow and not cluster"

report: reports/index.html ## run the notebooks and build reports/index.html (offline given SOURCE)

# the pre-flight, every time (~0.1 s, no kernel): validates the parameters, re-verifies the
# snapshots, and rewrites the stamp only when an input's content changed
build/inputs.stamp: FORCE | $(INSTALLED)
	@$(PY) -m ratioed.pipeline.params check --stamp $@

reports/index.html: $(NOTEBOOKS) $(LIBRARY) build/inputs.stamp data/claims.yaml
	$(PY) -m ratioed report --make-vars
	@touch $@

download: ## download a new dated snapshot of the public archive into data/raw/ (network)
	$(PY) -m ratioed download --make-vars

# JupyterLab lives in its own environment: its jsonschema format extras (rfc3987-syntax builds
# a grammar at import) would make every `import nbformat` in .venv a second slower (issue 15).
$(LAB_INSTALLED): $(LAB_LOCK) pyproject.toml | $(INSTALLED)
	$(call check_python,$(PYTHON))
	@echo "ratioed: installing JupyterLab into $(LAB_VENV) (once; again when $(LAB_LOCK) changes)"
	test -x $(LAB_VENV)/bin/python || $(PYTHON) -m venv $(LAB_VENV)
	$(VENV)/bin/uv pip sync --quiet --compile-bytecode --python $(LAB_VENV)/bin/python --require-hashes $(LAB_LOCK)
	$(VENV)/bin/uv pip install --quiet --python $(LAB_VENV)/bin/python --no-deps --no-build-isolation -e .
	$(LAB_VENV)/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ratioed)" >/dev/null
	@touch $@

lab: $(LAB_INSTALLED) ## JupyterLab on the notebooks (own .venv-lab); saving updates the .py pair. LAB_ARGS="--allow-root --port 8899"
	$(LAB_VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(LAB_ARGS)

sync: $(INSTALLED) ## after editing a notebook's .py copy, update the .ipynb (or the other way round)
	$(VENV)/bin/jupytext --sync notebooks/[0-9][0-9]-*.ipynb

lock: | $(INSTALLED) ## re-resolve requirements*.lock from pyproject.toml (registry; UPGRADE=1 for newest)
	$(VENV)/bin/uv pip compile $(LOCK_OPTS) --extra dev -o $(LOCK) pyproject.toml
	$(VENV)/bin/uv pip compile $(LOCK_OPTS) --extra dev --extra lab -c $(LOCK) -o $(LAB_LOCK) pyproject.toml

bench: ## run the benchmarks; rewrite benchmarks/RESULTS.md and ENGINES.md (minutes; not part of test)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/engines.py

lint: $(INSTALLED) ## the commit checks on every file: notebook pairs in sync, ruff; the library's layers
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  $(VENV)/bin/pre-commit run --all-files --show-diff-on-failure; \
	else $(VENV)/bin/ruff check src tests benchmarks notebooks; fi
	$(VENV)/bin/lint-imports --no-cache

# under the build lock (an flock on the project folder): never under a running build's feet
clean: ## remove what `make report` rebuilds (build/, reports/*, data/processed/*)
	flock . sh -c 'rm -rf build reports.incoming-* data/processed.incoming-* && \
	  mkdir -p reports data/processed && \
	  find reports data/processed -mindepth 1 -not -name .gitkeep -delete'

FORCE:

# never let make delete a published report (an interrupt after the swap would)
.PRECIOUS: reports/index.html
