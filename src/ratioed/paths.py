"""Every path the project uses, anchored at the repository root.

Notebooks, tests and the build import these constants; nothing builds path strings by hand
or depends on the current directory. ``RATIOED_ROOT`` in the environment overrides the root
(the tests use it to build a report in a temporary copy of the project).

``RATIOED_STAGE`` redirects every *derived* output (``data/processed/``, ``reports/`` and the
build's executed notebooks) into a staging folder: a build writes its whole output set there and
publishes it in one swap (:mod:`ratioed.pipeline.publish`), so a failed or interrupted build never leaves
a half-new set. The build sets it for the notebook kernel and reloads this module in the driver.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT = Path(os.environ.get("RATIOED_ROOT") or Path(__file__).resolve().parents[2]).resolve()

DATA_DIR = PROJ_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"  # immutable inputs: dated downloads + their provenance, observations
STAGE_DIR = Path(os.environ["RATIOED_STAGE"]).resolve() if os.environ.get("RATIOED_STAGE") else None
# the published output folders; OUTPUT_ROOT is where this process writes them (stage or project)
PUBLISHED_PROCESSED_DIR = DATA_DIR / "processed"
PUBLISHED_REPORTS_DIR = PROJ_ROOT / "reports"
OUTPUT_ROOT = STAGE_DIR or PROJ_ROOT
PROCESSED_DIR = OUTPUT_ROOT / "data" / "processed"  # derived, rebuilt by the notebooks
OBSERVATIONS_CSV = RAW_DIR / "observations.csv"  # reporters' readings of counts, by hand
CLAIMS_YAML = DATA_DIR / "claims.yaml"  # the story's claims, in our words
CLAIMS_GENERIC_YAML = DATA_DIR / "claims-generic.yaml"  # the ledger for any other account

POSTS_PARQUET = PROCESSED_DIR / "posts.parquet"  # one row per post, latest capture's counts
HISTORY_PARQUET = PROCESSED_DIR / "history.parquet"  # one row per (post, capture)
EXCLUDED_CSV = PROCESSED_DIR / "excluded.csv"  # rows the analysis leaves out, with the reason
RATIOS_PARQUET = PROCESSED_DIR / "ratios.parquet"  # analysable posts + ratios + flags
PROVENANCE_JSON = PROCESSED_DIR / "provenance.json"  # sources, hashes, parameters, commit
NUMBERS_JSON = PROCESSED_DIR / "numbers.json"  # every number the story prints, by key

NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
PARAMS_DIR = PROJ_ROOT / "params"
DEFAULT_PARAMS = PARAMS_DIR / "default.yaml"

BUILD_DIR = PROJ_ROOT / "build"  # the build's own state (never published)
PUBLISHED_STATE_DIR = BUILD_DIR / "state"  # executed notebooks + manifest of the published set
STATE_DIR = (STAGE_DIR / "build" / "state") if STAGE_DIR else PUBLISHED_STATE_DIR
EXECUTED_DIR = STATE_DIR / "executed"  # papermill's executed notebooks
MANIFEST_JSON = STATE_DIR / "manifest.json"  # what each executed notebook was built from
BUILD_LOCK = BUILD_DIR / "build.lock"  # one build at a time per checkout
FAILED_DIR = BUILD_DIR / "failed"  # the last failed build's stage, kept for inspection

REPORTS_DIR = OUTPUT_ROOT / "reports"
REPORT_HTML = REPORTS_DIR / "index.html"
FIGURES_DIR = REPORTS_DIR / "figures"  # fig*.png + fig*.svg + fig*.csv (the numbers drawn)
TABLES_DIR = REPORTS_DIR / "tables"
RATIOED_POSTS_CSV = TABLES_DIR / "ratioed_posts.csv"
CLAIMS_CSV = TABLES_DIR / "claims.csv"
CHANGES_CSV = TABLES_DIR / "changes.csv"  # what changed since the last published build
REPORT_TEMPLATE_DIR = Path(__file__).parent / "present" / "templates" / "report"  # the page's Jinja template


def report_href(path: Path | str) -> str:
    """``path`` as the report page links it: relative to ``reports/``, with ``/``."""
    return os.path.relpath(path, REPORTS_DIR).replace(os.sep, "/")


ARCHIVE_URL = "https://ix.cnn.io/data/truth-social/truth_archive.parquet"
COVERAGE_CSV = TABLES_DIR / "coverage.csv"  # first/last post, posts per month, silences > 48 h
CONTEXT_CSV = TABLES_DIR / "context.csv"  # the same person on other platforms (CONTEXT=)
SINCE_HIGHLIGHT_CSV = TABLES_DIR / "since_highlight.csv"  # later posts meeting the definition
SINCE_HIGHLIGHT_MONTHLY_CSV = TABLES_DIR / "since_highlight_monthly.csv"  # per month, per definition

LOCK_FILE = PROJ_ROOT / "requirements.lock"  # exact versions + hashes of .venv (`make lock`)
