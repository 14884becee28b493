"""Every path the project uses, anchored at the repository root.

Notebooks, tests and the build import these constants; nothing builds path strings by hand
or depends on the current directory. ``RATIOED_ROOT`` in the environment overrides the root
(the tests use it to build a report in a temporary copy of the project).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT = Path(os.environ.get("RATIOED_ROOT") or Path(__file__).resolve().parents[2]).resolve()

DATA_DIR = PROJ_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"  # immutable inputs: dated downloads + their provenance, observations
PROCESSED_DIR = DATA_DIR / "processed"  # derived, rebuilt by the notebooks
OBSERVATIONS_CSV = RAW_DIR / "observations.csv"  # reporters' readings of counts, by hand
CLAIMS_YAML = DATA_DIR / "claims.yaml"  # the story's claims, in our words

POSTS_PARQUET = PROCESSED_DIR / "posts.parquet"  # one row per post, latest capture's counts
HISTORY_PARQUET = PROCESSED_DIR / "history.parquet"  # one row per (post, capture)
EXCLUDED_CSV = PROCESSED_DIR / "excluded.csv"  # rows the analysis leaves out, with the reason
RATIOS_PARQUET = PROCESSED_DIR / "ratios.parquet"  # analysable posts + ratios + flags
PROVENANCE_JSON = PROCESSED_DIR / "provenance.json"  # sources, hashes, parameters, commit
NUMBERS_JSON = PROCESSED_DIR / "numbers.json"  # every number the story prints, by key

NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
PARAMS_DIR = PROJ_ROOT / "params"
DEFAULT_PARAMS = PARAMS_DIR / "default.yaml"

BUILD_DIR = PROJ_ROOT / "build"
EXECUTED_DIR = BUILD_DIR / "executed"  # papermill's executed notebooks (kept when a cell fails)
MANIFEST_JSON = BUILD_DIR / "manifest.json"  # what each executed notebook was built from

REPORTS_DIR = PROJ_ROOT / "reports"
REPORT_HTML = REPORTS_DIR / "index.html"
FIGURES_DIR = REPORTS_DIR / "figures"  # fig*.png + fig*.svg + fig*.csv (the numbers drawn)
TABLES_DIR = REPORTS_DIR / "tables"
RATIOED_POSTS_CSV = TABLES_DIR / "ratioed_posts.csv"
CLAIMS_CSV = TABLES_DIR / "claims.csv"

ARCHIVE_URL = "https://ix.cnn.io/data/truth-social/truth_archive.parquet"

LOCK_FILE = PROJ_ROOT / "requirements.lock"  # exact versions + hashes of .venv (`make lock`)
