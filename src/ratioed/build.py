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
import html
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from . import __version__, paths
from .errors import InputError
from .files import write_text_atomic
from .params import prepare
from .record import git_commit

KERNEL_NAME = "python3"
# which notebooks read another's outputs (by file-name prefix); the rest of the order is free
READS_FROM = {"01": [], "02": ["01"], "03": ["01", "02"], "04": ["01", "02"]}
TEMPLATE_DIR = Path(__file__).parent / "templates" / "report"


class BuildError(RuntimeError):
    """A notebook failed or produced output the report must not carry."""


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


def _header_cells(params: dict) -> list:
    """Cells that open the report: title, findings (the claims ledger) and provenance.

    Built as HTML *outputs* from escaped values, so nothing from the data becomes markup.
    """
    import pandas as pd

    e = html.escape
    prov = json.loads(paths.PROVENANCE_JSON.read_text()) if paths.PROVENANCE_JSON.exists() else {}
    built = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = ["<h1>Was Trump \u201cratioed\u201d on his own platform? Checking the numbers</h1>",
             "<p class='lede'>On 12 July 2025 a Truth Social post by Donald Trump defending "
             "Attorney General Pam Bondi drew more replies than likes and more replies than "
             "re-truths. This report regenerates every figure, table and checked claim from the "
             "public archive of his posts. Engagement counts are snapshots taken when the archive "
             "captured each post, not final totals.</p>"]
    if paths.CLAIMS_CSV.exists():
        claims = pd.read_csv(paths.CLAIMS_CSV, dtype=str, keep_default_na=False)
        table = claims[["claim", "status", "evidence"]].rename(columns=str.capitalize).to_html(
            index=False, escape=True, border=0, classes="claims")
        parts.append("<h2>Findings: the story's claims, checked</h2>" + table)
    src_rows = "".join(
        f"<tr><td>{e(s['source'])}</td><td><code>{e(s['sha256'][:16])}\u2026</code></td>"
        f"<td>{s['rows']:,}</td><td>{e(str(s['first_post']))}</td><td>{e(str(s['last_post']))}</td>"
        f"<td>{e(str(s['captured_at'] or 'not stated (order ' + str(s['capture_rank'] + 1) + ')'))}</td></tr>"
        for s in prov.get("sources", []))
    par = params
    par_rows = "".join(f"<tr><th>{e(k)}</th><td>{e(json.dumps(v))}</td></tr>"
                       for k, v in par.items())
    parts.append(
        "<h2>Provenance</h2><table class='provenance'><thead><tr><th>Source</th><th>sha256</th>"
        "<th>Rows</th><th>First post (UTC)</th><th>Last post (UTC)</th><th>Captured</th></tr>"
        f"</thead><tbody>{src_rows}</tbody></table>"
        f"<table class='provenance'><tbody>{par_rows}"
        f"<tr><th>package</th><td>ratioed {e(prov.get('package_version', __version__))}</td></tr>"
        f"<tr><th>git commit</th><td><code>{e(prov.get('git_commit', git_commit()))}</code></td></tr>"
        f"<tr><th>built</th><td>{e(built)}</td></tr></tbody></table>")
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "\n".join(parts)})]
    return [cell]


def export_report(executed: list[Path], params: dict) -> Path:
    """One nbconvert call: the executed notebooks, without code, into ``reports/index.html``."""
    from nbconvert import HTMLExporter

    report = nbformat.v4.new_notebook()
    report.metadata["title"] = "Was Trump \u201cratioed\u201d on his own platform?"
    report.cells = _header_cells(params)
    for path in executed:
        nb = nbformat.read(path, as_version=4)
        report.cells += [c for c in nb.cells
                         if not {"ratioed-reset", "parameters", "injected-parameters"}
                         & set(c.metadata.get("tags", []))]
    exporter = HTMLExporter(template_name="report", extra_template_basedirs=[str(TEMPLATE_DIR.parent)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(report)
    write_text_atomic(paths.REPORT_HTML, body)
    return paths.REPORT_HTML


def build_report(sources=None, params_file=None, overrides=None, only=None,
                 progress: bool = True) -> int:
    """Run stale notebooks and export the report; return a process exit code."""
    t0 = time.perf_counter()
    km = None
    try:
        params = prepare(params_file, overrides, sources)  # validated, verified
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
        export_report([paths.EXECUTED_DIR / nb.name for nb in all_nbs], params)
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

