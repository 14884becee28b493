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
	DECLARED_COMPLETE SNAPSHOT_SHA256 ACCOUNT REPLIES CONTEXT
$(foreach v,$(PARAM_VARS),$(eval override $(v) := $$(value $(v))))
export $(PARAM_VARS)

## ---- variables given on the command line: only known ones, checked before any work ----------
# `make report WINDWO=7D` (a typo) would otherwise build with the default window and say nothing.
OWN_VARS := PYTHON VENV LAB_VENV LAB_ARGS HOOKS UPGRADE
KNOWN_VARS := $(OWN_VARS) $(PARAM_VARS)
GIVEN_VARS := $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v)))
UNKNOWN_VARS := $(filter-out $(KNOWN_VARS) MAKEFLAGS MFLAGS MAKEFILES SHELL,$(GIVEN_VARS))
ifneq ($(strip $(UNKNOWN_VARS)),)
# a near miss, by Python's difflib, asked only for names made of letters, digits and _ (a name is
# never pasted into a shell line otherwise)
name_chars := A B C D E F G H I J K L M N O P Q R S T U V W X Y Z a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 _
drop_chars = $(if $(2),$(call drop_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,99,$(2))),$(1))
near_miss = $(if $(call drop_chars,$(1),$(name_chars)),,$(shell $(PYTHON) -c 'import difflib, sys; m = difflib.get_close_matches(sys.argv[1].upper(), sys.argv[2:], 1, 0.6); print(" (did you mean " + m[0] + "?)" if m else "")' '$(1)' $(KNOWN_VARS) 2>/dev/null))
$(error ratioed: error: unknown variable$(if $(word 2,$(UNKNOWN_VARS)),s) on the command line: $(foreach v,$(UNKNOWN_VARS),$(v)$(call near_miss,$(v))); nothing was run. Known variables: $(KNOWN_VARS) (`make help` says what each means))
endif

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]-*.ipynb notebooks/[0-9][0-9]-*.py))
LIBRARY := $(shell find src/ratioed -type f -not -path '*/__pycache__/*')

LOCK_OPTS = --universal --python-version 3.11 --fork-strategy fewest --generate-hashes --quiet \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

.PHONY: help install hooks test test-unit report status download lab sync lock bench lint clean FORCE

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
	@echo "ratioed: set-up 1/6: creating the virtual environment $(VENV) ($(PYTHON))"
	$(PYTHON) -m venv $(VENV)

# Set-up, run by every target that needs .venv: exact versions from the lock, hashes checked
# (pip installs the locked uv, uv syncs the rest and removes anything the lock does not list,
# compiled to bytecode once: where PYTHONDONTWRITEBYTECODE is set, as in CI and many containers,
# every kernel would otherwise compile pandas again, 3 s a start), then the project itself (editable, no dependencies), the python3 kernel and the git hooks.
$(VENV)/.ratioed-installed: $(LOCK) pyproject.toml | $(PY)
	$(call check_python,$(PY))
	@echo "ratioed: installing the locked environment into $(VENV) (once; again when $(LOCK) or pyproject.toml change)"
	@echo "ratioed: set-up 2/6: the installer (uv, pinned with hashes in $(LOCK))"
	@test -x $(VENV)/bin/uv || awk '/^uv==/{p=1;print;next} /^[a-z]/{p=0} p' $(LOCK) \
	  | $(PY) -m pip install --quiet --require-hashes --no-deps -r /dev/stdin
	@echo "ratioed: set-up 3/6: the locked packages, hashes checked, compiled to bytecode (the longest step: ~20 s the first time)"
	$(VENV)/bin/uv pip sync --quiet --compile-bytecode --python $(PY) --require-hashes $(LOCK)
	@echo "ratioed: set-up 4/6: the project itself (editable)"
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	@echo "ratioed: set-up 5/6: the notebooks' Jupyter kernel (python3)"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ratioed)" >/dev/null
	@echo "ratioed: set-up 6/6: git hooks (HOOKS=no to skip)"
	@$(MAKE) --no-print-directory hooks
	@touch $@

# set-up before the build, the download and the benchmarks; a new lock re-runs the build
# (the notebooks' fingerprints include the lock's hash, so only they decide what re-runs)
reports/index.html: $(wildcard $(LOCK)) | $(INSTALLED)
download bench: | $(INSTALLED)

# The nbstripout filter as git runs it (through sh, from the top of the work tree): no absolute
# path, so a moved checkout or a rebuilt .venv keeps working; the project's .venv first, else an
# nbstripout on PATH, else one line saying how to set up (required=true: a notebook is never
# staged with its outputs). Beyond outputs and counts it strips what a run or a Lab session adds:
# language_info, papermill's records, cell execution times. The kernelspec stays: the .py copies
# carry it too (notebooks/jupytext.toml), so stripping it from one side would churn the pair.
NBSTRIP_KEYS := metadata.language_info metadata.papermill metadata.widgets \
	cell.metadata.papermill cell.metadata.execution cell.metadata.ExecuteTime
FILTER_VENV := $(if $(filter /%,$(VENV)),.venv,$(VENV))
nbstripout = f() { if [ -x $(FILTER_VENV)/bin/python ]; then exec $(FILTER_VENV)/bin/python -m nbstripout --keep-id --extra-keys "$(NBSTRIP_KEYS)" $(1) "$$@"; elif command -v nbstripout >/dev/null; then exec nbstripout --keep-id --extra-keys "$(NBSTRIP_KEYS)" $(1) "$$@"; else echo "ratioed: nbstripout not found ($(FILTER_VENV) is missing): run make install" >&2; exit 1; fi; }; f

install: $(VENV)/.ratioed-installed ## set up .venv from the lock (the other targets do this themselves when needed)

hooks: ## strip notebook outputs at `git add` (nbstripout filter) + pre-commit checks (run by set-up)
ifneq ($(HOOKS),no)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '$(call nbstripout,)' && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.required true && \
	  git config diff.ipynb.textconv '$(call nbstripout,-t)' && \
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

status: build/inputs.stamp | $(INSTALLED) ## what `make report` would re-run and why (source, parameter, input, library changed; output missing), without running it
	@$(PY) -m ratioed status --make-vars

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
