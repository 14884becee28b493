"""Run the numbered notebooks with papermill and build the HTML report with nbconvert.

How a build works (``make report`` calls :func:`build_report`):

1. Parameters come from a named YAML set (``params/default.yaml`` unless another is given),
   overridden by ``--set key=value`` (the Makefile's variables) and the command line's sources.
2. Each notebook's *fingerprint* (:mod:`ratioed.staleness`) hashes its source, the parameters
   it declares, the library's code, the content of the files it reads and the fingerprints of
   the notebooks whose outputs it reads. A notebook whose fingerprint matches the last
   successful run is not run again.
3. Stale notebooks run in order in **one** Jupyter kernel (start-up and imports paid once); the
   kernel's namespace is reset before each notebook so none can lean on another's variables.
   The kernel starts first, importing what those notebooks import, while the driver syncs the
   notebook pairs and imports papermill; while the kernel runs them, a thread of the driver
   imports what the comparison and the export need.
4. All executed notebooks are exported in one nbconvert call, without code or prompts, through
   an offline template, to ``reports/index.html`` -- written atomically, only after every
   notebook succeeded. A failing cell stops the build with one line naming notebook, cell and
   error; the executed notebook stays in ``build/executed/`` and the last good report is kept.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

from . import paths
from .files import write_text_atomic
from .params import prepare
from .publish import build_lock, discard, new_stage, publish, stage_path, use_outputs
from .staleness import plan, sync_pairs

KERNEL_NAME = "python3"
# per-cell and kernel-start timeouts in seconds (environment variables override them)
CELL_TIMEOUT = float(os.environ.get("RATIOED_CELL_TIMEOUT", "600"))
KERNEL_TIMEOUT = float(os.environ.get("RATIOED_KERNEL_TIMEOUT", "60"))


class BuildError(RuntimeError):
    """A notebook failed or produced output the report must not carry."""


class NotebookInputError(BuildError):
    """A notebook refused its input (an :class:`InputError` raised inside it): exit code 2."""


# --------------------------------------------------------------------------- running


def _prepare(nb_path: Path) -> Path:
    """A copy of the notebook with a hidden first cell that resets the shared kernel."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    reset = nbformat.v4.new_code_cell("%reset -f", metadata={"tags": ["ratioed-reset"]})
    reset.id = "ratioed-reset"
    nb.cells.insert(0, reset)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3",
                                 "language": "python"}
    staged = paths.STATE_DIR / "staged" / nb_path.name
    staged.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, staged)
    return staged


def _check_executed(nb_path: Path, executed: Path) -> None:
    """Refuse output the report must not carry: errors, tracebacks, warnings, stderr."""
    import nbformat

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
    import nbformat

    cells = nbformat.read(executed, as_version=4).cells
    failed = [i for i, c in enumerate(cells)
              if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    index = failed[0] if failed else index
    added = {"ratioed-reset", "injected-parameters", "papermill-error-cell-tag"}
    shift = sum(1 for c in cells[:index] if added & set(c.metadata.get("tags", [])))
    total = sum(1 for c in cells if not added & set(c.metadata.get("tags", [])))
    first = next((ln for ln in cells[index].source.splitlines() if ln.strip()), "")
    return f"cell {index - shift + 1} of {total} (`{first.strip()[:60]}`)"


_IMPORT_LINE = re.compile(r"^(?:from\s+([\w.]+)\s+import\s+\(?([\w\s,]*)|import\s+([\w.]+))")


def imported_modules(nb_paths: list[Path]) -> list[str]:
    """The modules the notebooks import at the top level of a cell (read from their ``.py``
    copies; ``from pkg import name`` also names ``pkg.name``, which may be a module)."""
    found: dict[str, None] = {}
    for nb in nb_paths:
        for line in nb.with_suffix(".py").read_text(encoding="utf-8").splitlines():
            if (m := _IMPORT_LINE.match(line)) is None:
                continue
            module = m.group(1) or m.group(3)
            found[module] = None
            for name in (m.group(2) or "").replace(",", " ").split():
                found[f"{module}.{name}"] = None
    return list(found)


def _preload(modules: list[str]) -> str:
    """Code the kernel runs as it starts (``exec_lines``): import ``modules``, quietly (a name
    that is not a module is skipped; a real import error shows in the notebook's own cell),
    leaving no name behind. Imports cost a second of the figures notebook alone; this way they
    are paid while the driver syncs the pairs and imports papermill, not after."""
    code = ("import importlib as _ratioed_il\n"
            f"for _ratioed_m in {modules!r}:\n"
            "    try:\n        _ratioed_il.import_module(_ratioed_m)\n"
            "    except Exception:\n        pass\n"
            "del _ratioed_il, _ratioed_m\n"
            # what the imports made lives as long as the kernel: out of the collector's reach,
            # so each notebook's `%reset -f` (a full collection) skips it (0.17 s -> 0.015 s)
            "import gc as _ratioed_gc\n_ratioed_gc.collect()\n_ratioed_gc.freeze()\n"
            "del _ratioed_gc\n")
    return code


def _kernel_dir() -> Path:
    return paths.BUILD_DIR / f"kernel-{os.getpid()}"


def start_kernel(stage: Path, preload: list[str] = ()):
    """Start the one kernel the build uses, with outputs redirected to ``stage``
    (``RATIOED_STAGE``; the stage itself may not exist yet) and its sockets in a folder of this
    build's own (two builds never share a socket). ``preload``: modules it imports as it
    starts (:func:`_preload`); the notebooks' first cell (``%reset -f``) leaves them loaded."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.utils import run_sync

    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    for old in paths.BUILD_DIR.glob("kernel-*"):  # a killed build's (we hold the build lock)
        shutil.rmtree(old, ignore_errors=True)
    sockets = _kernel_dir()
    sockets.mkdir(parents=True)
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(sockets / "ipc"))
    env = {**os.environ, "PYTHONHASHSEED": "0", "RATIOED_ROOT": str(paths.PROJ_ROOT),
           "RATIOED_STAGE": str(stage)}
    env.pop("MPLBACKEND", None)  # Agg would stop inline figures from reaching the report
    extra = [f"--IPKernelApp.exec_lines={_preload(list(preload))}"] if preload else []
    run_sync(km.start_kernel)(env=env, cwd=str(paths.NOTEBOOKS_DIR), extra_arguments=extra)
    return km


def stop_kernel(km) -> None:
    from jupyter_client.utils import run_sync

    run_sync(km.shutdown_kernel)(now=True)
    shutil.rmtree(_kernel_dir(), ignore_errors=True)


def run_notebooks(stale: list[Path], declared: dict[str, dict], km, progress: bool = True,
                  on_cell_execute=None) -> None:
    """Execute ``stale`` notebooks in order in the kernel ``km``, each with its parameters from
    ``declared``; raise BuildError on the first failure (:class:`NotebookInputError` when the
    notebook refused its input), or on a cell that runs longer than :data:`CELL_TIMEOUT`.
    ``on_cell_execute(cell=, cell_index=)`` is called once a cell is sent to the kernel."""
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError

    paths.EXECUTED_DIR.mkdir(parents=True, exist_ok=True)
    for nb_path in stale:
        executed = paths.EXECUTED_DIR / nb_path.name
        name = nb_path.relative_to(paths.PROJ_ROOT)
        print(f"running {name}", file=sys.stderr, flush=True)
        try:
            pm.execute_notebook(str(_prepare(nb_path)), str(executed),
                                parameters=declared[nb_path.name],
                                kernel_name=KERNEL_NAME, progress_bar=progress,
                                cwd=str(paths.NOTEBOOKS_DIR), km=km,
                                on_cell_execute=on_cell_execute,
                                execution_timeout=CELL_TIMEOUT, start_timeout=KERNEL_TIMEOUT)
        except pm.PapermillExecutionError as err:
            evalue = (err.evalue or "").splitlines()[0] if err.evalue else ""
            if err.ename == "InputError":
                raise NotebookInputError(f"{name}: {evalue}") from None
            raise BuildError(f"{name}, {_source_cell(executed, err.cell_index)}: "
                             f"{err.ename}: {evalue}") from None
        except CellTimeoutError as err:
            raise BuildError(f"{name}, {_timed_out_cell(nb_path, err)}: no result after "
                             f"{CELL_TIMEOUT:g} s (RATIOED_CELL_TIMEOUT)") from None
        except RuntimeError as err:  # the kernel did not start or died
            raise BuildError(f"{name}: kernel failed ({err}); kernel start timeout "
                             f"{KERNEL_TIMEOUT:g} s (RATIOED_KERNEL_TIMEOUT)") from None
        _check_executed(nb_path, executed)


def _timed_out_cell(nb_path: Path, err: Exception) -> str:
    """Name the cell nbclient timed out on, found by the preview of its source in the error."""
    import nbformat

    preview = re.search(r"preview of the cell contents:\n-+\n(.*?)\n", str(err))
    first = preview.group(1).strip() if preview else None
    cells = nbformat.read(nb_path, as_version=4).cells
    for i, cell in enumerate(cells):
        if first and cell.cell_type == "code" and cell.source.strip().startswith(first):
            last = cell.source.strip().splitlines()[-1].strip()[:60]
            return f"cell {i + 1} of {len(cells)} (`{last}`)"
    return "a cell"


# --------------------------------------------------------------------------- export


def build_report(sources=None, params_file=None, overrides=None, only=None,
                 progress: bool | None = None) -> str:
    """Run the stale notebooks and export the report, publishing the outputs as a whole.

    Returns a one-line summary. Raises :class:`InputError` (bad parameters or input, found
    before any kernel starts or raised inside a notebook: :class:`NotebookInputError`) or
    :class:`BuildError`; in both cases the published outputs are left as they were. Progress
    bars are shown only on a terminal (``progress=None``).
    """
    t0 = time.perf_counter()
    progress = sys.stderr.isatty() if progress is None else progress
    params = prepare(params_file, overrides, sources)  # validated, verified
    with build_lock():
        # the kernel starts first when notebooks are stale by their .py copies (the source), so
        # it starts up while the pairs are synced and the driver imports what it needs
        all_nbs, declared, prints, manifest, stale = plan(params, only)
        km = start_kernel(stage_path(), imported_modules(stale)) if stale else None
        stage, warm = None, _Warmer()
        try:
            synced = sync_pairs()
            for line in synced:
                print(line, file=sys.stderr)
            if synced:  # a .py copy rewritten from its .ipynb: plan again
                all_nbs, declared, prints, manifest, stale = plan(params, only)
            if not stale and km is not None:
                stop_kernel(km)
                km = None
            if not stale and manifest.get("export") == prints["export"] and \
                    paths.REPORT_HTML.exists():
                return f"{paths.REPORT_HTML.relative_to(paths.PROJ_ROOT)} is up to date"
            if stale and km is None:
                km = start_kernel(stage_path(), imported_modules(stale))
            stage = new_stage(seed=len(stale) < len(all_nbs))  # all re-run: nothing carried over
            use_outputs(stage)
            if stale:
                for nb in stale:
                    manifest.pop(nb.name, None)
                run_notebooks(stale, declared, km, progress=progress,
                              on_cell_execute=lambda cell, **_: warm.start_once(cell))
                stop_kernel(km)
                km = None
                warm.join()
            changed = record_changes(params)
            manifest.update({nb.name: prints[nb.name] for nb in stale}, export=prints["export"])
            write_text_atomic(paths.MANIFEST_JSON, json.dumps(manifest, indent=2) + "\n")
            export_page([paths.EXECUTED_DIR / nb.name for nb in all_nbs], params)
            use_outputs(None)
            publish(stage)
        except BaseException:
            warm.join()
            if km is not None:
                stop_kernel(km)
            use_outputs(None)
            if stage is not None:
                discard(stage)
            raise
    return (f"wrote {paths.REPORT_HTML.relative_to(paths.PROJ_ROOT)} ({len(stale)} notebook(s) "
            f"run, {time.perf_counter() - t0:.1f} s); changes: {changed}")


class _Warmer:
    """Imports what the driver needs after the notebooks -- pandas to compare the outputs,
    nbconvert and the page's compiled templates to export them (a second of CPU) -- in a
    thread started when the kernel is given its first code cell, by when papermill has made
    its own imports and the main thread only waits on the kernel. Any failure here is left to
    the comparison and the export to meet again, in the main thread."""

    def __init__(self):
        import threading

        self._thread = threading.Thread(target=self._run, name="ratioed-warm", daemon=True)

    def start_once(self, cell) -> None:
        if cell.get("cell_type") == "code" and self._thread.ident is None:
            self._thread.start()

    def join(self) -> None:
        if self._thread.ident is not None:
            self._thread.join()

    @staticmethod
    def _run() -> None:
        try:
            import pandas  # noqa: F401

            from . import changes, export  # noqa: F401

            export.warm()
        except Exception:  # noqa: BLE001 -- the export imports again and reports it
            pass


def export_page(executed: list[Path], params: dict) -> None:
    """Export the report page (:func:`ratioed.export.export_report`, imported only when a page
    is written: a no-op build loads no nbconvert); an export refusal is a build failure."""
    from . import export

    try:
        export.export_report(executed, params)
    except export.ExportError as err:
        raise BuildError(f"export: {err}") from None


def record_changes(params: dict) -> str:
    """Compare the staged set with the published one; write ``changes.csv`` into the stage and
    return the one-line summary (see :mod:`ratioed.changes`)."""
    from .changes import COLUMNS, compare, summary
    from .files import write_csv_atomic

    changes = compare(paths.PROJ_ROOT, paths.OUTPUT_ROOT, params.get("definition") or "both")
    import pandas as pd

    write_csv_atomic(changes if changes is not None else pd.DataFrame(columns=COLUMNS),
                     paths.CHANGES_CSV)
    return summary(changes)
