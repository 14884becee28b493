"""Run the numbered notebooks with papermill and build the HTML report with nbconvert.

How a build works (``make report`` calls :func:`build_report`):

1. Parameters come from a named YAML set (``params/default.yaml`` unless another is given),
   overridden by ``--set key=value`` (the Makefile's variables) and the command line's sources.
2. Each notebook's *fingerprint* hashes its source, the parameters it declares, the library's
   code, the size and modification time of the files it reads (sources; claims; observations),
   and the fingerprints of the notebooks whose outputs it reads (:data:`READS_FROM`). A notebook whose fingerprint matches the last successful run is not
   run again.
3. Stale notebooks run in order in **one** Jupyter kernel (start-up and imports paid once); the
   kernel's namespace is reset before each notebook so none can lean on another's variables.
4. All executed notebooks are exported in one nbconvert call, without code or prompts, through
   an offline template, to ``reports/index.html`` -- written atomically, only after every
   notebook succeeded. A failing cell stops the build with one line naming notebook, cell and
   error; the executed notebook stays in ``build/executed/`` and the last good report is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import nbformat
import yaml

from . import export, paths
from .errors import InputError
from .files import write_text_atomic

KERNEL_NAME = "python3"
# which notebooks read another's outputs (by file-name prefix); the rest of the order is free
READS_FROM = {"01": [], "02": ["01"], "03": ["01", "02"], "04": ["01", "02"]}
TEMPLATE_DIR = Path(__file__).parent / "templates" / "report"
PARAM_KEYS = ["sources", "start", "end", "tz", "definition", "highlight_id", "observations",
              "trailing_window"]


class BuildError(RuntimeError):
    """A notebook failed or produced output the report must not carry."""


# --------------------------------------------------------------------------- parameters


def load_params(params_file: Path | str | None = None, overrides: dict | None = None,
                sources: list[str] | None = None) -> dict:
    """Parameters for a build: YAML set, then ``overrides`` (strings), then ``sources``."""
    path = Path(params_file) if params_file else paths.DEFAULT_PARAMS
    if not path.exists():
        raise InputError(path, "parameter file not found")
    try:
        params = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise InputError(path, f"not valid YAML: {err}") from None
    unknown = set(params) - set(PARAM_KEYS)
    if unknown:
        raise InputError(path, f"unknown parameter(s) {', '.join(sorted(unknown))}; "
                               f"known: {', '.join(PARAM_KEYS)}")
    for key, value in (overrides or {}).items():
        if key not in PARAM_KEYS:
            raise InputError("--set", f"unknown parameter {key!r}; known: {', '.join(PARAM_KEYS)}")
        if value == "":
            continue  # an empty Make variable means "not set"
        params[key] = value.split() if key == "sources" else str(value)
    if sources:
        params["sources"] = list(sources)
    for key in ("start", "end", "highlight_id"):  # YAML may read dates/ids as non-strings
        if params.get(key) is not None:
            params[key] = str(params[key])
    params["sources"] = [str(s) for s in params.get("sources") or []]
    return params


def resolve_sources(params: dict) -> dict:
    """Replace URLs by downloaded snapshots and fill in the latest snapshot when none is given."""
    from .download import download, latest_snapshot

    resolved = []  # absolute paths: the kernel runs in notebooks/, not the caller's folder
    for src in params["sources"]:
        resolved.append(str(download(src)) if src.startswith(("http://", "https://"))
                        else str(Path(src).expanduser().resolve()))
    if not resolved:
        latest = latest_snapshot()
        if latest is None:
            print("no snapshot of the archive in data/raw/: downloading one", file=sys.stderr)
            latest = download()
        resolved = [str(latest)]
    observations = params.get("observations")
    if observations:
        observations = str(Path(observations).expanduser().resolve())
    return {**params, "sources": resolved, "observations": observations}


# --------------------------------------------------------------------------- staleness


def notebooks() -> list[Path]:
    """The numbered notebooks, in run order."""
    return sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))


def _hash(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _library_hash() -> str:
    """Hash of the library's Python code (the report template only affects the export)."""
    return _hash(*[f.read_bytes() for f in sorted(Path(__file__).parent.rglob("*.py"))])


def _input_files(key: str, params: dict) -> list[Path]:
    """The input files a notebook reads itself (besides other notebooks' outputs)."""
    observations = Path(params.get("observations") or paths.OBSERVATIONS_CSV)
    return {"01": [Path(s) for s in params["sources"]],
            "03": [paths.CLAIMS_YAML, observations],
            "04": [observations]}.get(key, [])


def _file_stamp(files: list[Path]) -> str:
    """Path, size and modification time of each file (hashing a big archive would be slow)."""
    stamp = []
    for p in files:
        st = p.stat() if p.exists() else None
        stamp.append((str(p.resolve()), st.st_size if st else None, st.st_mtime_ns if st else None))
    return _hash(*stamp)


def notebook_params(nb_path: Path, params: dict) -> dict:
    """The subset of ``params`` a notebook declares in its ``parameters`` cell."""
    import papermill as pm

    declared = pm.inspect_notebook(str(nb_path))
    return {k: v for k, v in params.items() if k in declared}


def fingerprints(params: dict, declared: dict[str, dict]) -> dict[str, str]:
    """Fingerprint of every notebook for these parameters (see module docs); ``declared`` maps
    each notebook's name to its parameters (:func:`notebook_params`)."""
    lib = _library_hash()
    out: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for nb in notebooks():
        key = nb.name[:2]
        nb_params = declared[nb.name]
        source = [(c.cell_type, c.source, c.metadata.get("tags", []))
                  for c in nbformat.read(nb, as_version=4).cells]
        out[nb.name] = by_key[key] = _hash(
            json.dumps(source), json.dumps(nb_params, sort_keys=True), lib,
            _file_stamp(_input_files(key, params)),
            *[by_key[k] for k in READS_FROM.get(key, []) if k in by_key])
    return out


# --------------------------------------------------------------------------- running


def _prepare(nb_path: Path) -> Path:
    """A copy of the notebook with a hidden first cell that resets the shared kernel."""
    nb = nbformat.read(nb_path, as_version=4)
    reset = nbformat.v4.new_code_cell("%reset -f", metadata={"tags": ["ratioed-reset"]})
    nb.cells.insert(0, reset)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3",
                                 "language": "python"}
    staged = paths.BUILD_DIR / "staged" / nb_path.name
    staged.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, staged)
    return staged


def _check_executed(nb_path: Path, executed: Path) -> None:
    """Refuse output the report must not carry: errors, tracebacks, warnings, stderr."""
    nb = nbformat.read(executed, as_version=4)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            bad = None
            if out.output_type == "error":
                bad = f"{out.ename}: {out.evalue}"
            elif out.output_type == "stream" and out.name == "stderr":
                bad = "wrote to stderr: " + out.text.strip().splitlines()[0] if out.text.strip() \
                    else None
            if bad:
                raise BuildError(f"{nb_path.relative_to(paths.PROJ_ROOT)}, cell {i}: {bad}")


def _source_cell(executed: Path, index: int) -> str:
    """Name the failed cell by its number in the source notebook and its first line."""
    cells = nbformat.read(executed, as_version=4).cells
    failed = [i for i, c in enumerate(cells)
              if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    index = failed[0] if failed else index
    added = {"ratioed-reset", "injected-parameters", "papermill-error-cell-tag"}
    shift = sum(1 for c in cells[:index] if added & set(c.metadata.get("tags", [])))
    total = sum(1 for c in cells if not added & set(c.metadata.get("tags", [])))
    first = next((ln for ln in cells[index].source.splitlines() if ln.strip()), "")
    return f"cell {index - shift + 1} of {total} (`{first.strip()[:60]}`)"


def start_kernel():
    """Start the one kernel the build uses; it boots while the build checks what is stale.

    (Sending it imports to warm up from a second client made the first notebook's client time
    out now and then, waiting for a kernel still busy importing: not worth the second saved.)
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.utils import run_sync

    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc",
                            ip=str(paths.BUILD_DIR / "kernel"))
    env = {**os.environ, "PYTHONHASHSEED": "0", "RATIOED_ROOT": str(paths.PROJ_ROOT)}
    env.pop("MPLBACKEND", None)  # Agg would stop inline figures from reaching the report
    run_sync(km.start_kernel)(env=env, cwd=str(paths.NOTEBOOKS_DIR))
    return km


def stop_kernel(km) -> None:
    from jupyter_client.utils import run_sync

    run_sync(km.shutdown_kernel)(now=True)


def run_notebooks(stale: list[Path], declared: dict[str, dict], km, progress: bool = True) -> None:
    """Execute ``stale`` notebooks in order in the kernel ``km``, each with its parameters from
    ``declared``; raise BuildError on the first failure."""
    import papermill as pm

    paths.EXECUTED_DIR.mkdir(parents=True, exist_ok=True)
    for nb_path in stale:
        executed = paths.EXECUTED_DIR / nb_path.name
        print(f"running {nb_path.relative_to(paths.PROJ_ROOT)}", file=sys.stderr, flush=True)
        try:
            pm.execute_notebook(str(_prepare(nb_path)), str(executed),
                                parameters=declared[nb_path.name],
                                kernel_name=KERNEL_NAME, progress_bar=progress,
                                cwd=str(paths.NOTEBOOKS_DIR), km=km)
        except pm.PapermillExecutionError as err:
            raise BuildError(f"{nb_path.relative_to(paths.PROJ_ROOT)}, "
                             f"{_source_cell(executed, err.cell_index)}: {err.ename}: "
                             f"{(err.evalue or '').splitlines()[0] if err.evalue else ''}"
                             ) from None
        _check_executed(nb_path, executed)


# --------------------------------------------------------------------------- export


def build_report(sources=None, params_file=None, overrides=None, only=None,
                 progress: bool = True) -> int:
    """Run stale notebooks and export the report; return a process exit code."""
    t0 = time.perf_counter()
    km = None
    try:
        params = resolve_sources(load_params(params_file, overrides, sources))
        km = start_kernel()  # boots in parallel with the staleness check
        declared = {nb.name: notebook_params(nb, params) for nb in notebooks()}
        prints = fingerprints(params, declared)
        manifest = json.loads(paths.MANIFEST_JSON.read_text()) if paths.MANIFEST_JSON.exists() else {}
        all_nbs = notebooks()
        stale = [nb for nb in all_nbs
                 if manifest.get(nb.name) != prints[nb.name]
                 or not (paths.EXECUTED_DIR / nb.name).exists()]
        if only:
            stale = [nb for nb in all_nbs if nb.name in only or nb.stem in only]
        if stale:
            for nb in stale:
                manifest.pop(nb.name, None)
            write_text_atomic(paths.MANIFEST_JSON, json.dumps(manifest, indent=2) + "\n")
            run_notebooks(stale, declared, km, progress=progress)
            for nb in stale:
                manifest[nb.name] = prints[nb.name]
                write_text_atomic(paths.MANIFEST_JSON, json.dumps(manifest, indent=2) + "\n")
        else:
            print("all notebooks up to date", file=sys.stderr)
        stop_kernel(km)
        km = None
        export.export_report([paths.EXECUTED_DIR / nb.name for nb in all_nbs], params)
    except InputError as err:
        print(f"make report: input error: {err}", file=sys.stderr)
        return 2
    except BuildError as err:
        print(f"make report: failed: {err}; executed notebook kept in "
              f"{paths.EXECUTED_DIR.relative_to(paths.PROJ_ROOT)}/; previous "
              f"{paths.REPORT_HTML.relative_to(paths.PROJ_ROOT)} left unchanged", file=sys.stderr)
        return 1
    finally:
        if km is not None:
            stop_kernel(km)
    print(f"wrote {paths.REPORT_HTML.relative_to(paths.PROJ_ROOT)} "
          f"({len(stale)} notebook(s) run, {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return 0

