"""Run the numbered notebooks with papermill and build the HTML report with nbconvert.

How a build works (``make report`` calls :func:`build_report`):

1. Parameters come from a named YAML set (``params/default.yaml`` unless another is given),
   overridden by ``--set key=value`` (the Makefile's variables) and the command line's sources.
2. Each notebook's *fingerprint* (:mod:`ratioed.pipeline.staleness`) hashes its source, the parameters
   it declares, the library's code, the content of the files it reads and the fingerprints of
   the notebooks whose outputs it reads. A notebook whose fingerprint matches the last
   successful run is not run again.
3. Stale notebooks run in lanes (:mod:`ratioed.pipeline.execute`): in order in one Jupyter kernel,
   except that a notebook that does not read the one before it runs beside it in a second
   kernel. Each kernel's namespace is reset before each notebook, so none can lean on another's
   variables. The first kernel starts first, importing what its notebooks import, while the
   driver syncs the notebook pairs and imports papermill; while the kernels run, a thread of the
   driver imports what the comparison and the export need.
4. All executed notebooks are exported in one nbconvert call, without code or prompts, through
   an offline template, to ``reports/index.html`` -- written atomically, only after every
   notebook succeeded. A failing cell stops the build with one line naming notebook, cell and
   error; the executed notebook stays in ``build/executed/`` and the last good report is kept.
   Before the export, the data dictionary of the tables (``reports/tables/datapackage.json``,
   :mod:`ratioed.present.datapackage`) is written beside them, so the page lists it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .. import paths, story
from ..inputs.files import write_text_atomic
from .execute import (
    BuildError,
    clear_kernel_dirs,
    imported_modules,
    lanes,
    run_lanes,
    settings,
    start_kernel,
    stop_kernel,
)
from .params import prepare
from .publish import (
    build_lock,
    discard,
    new_stage,
    publish,
    published_files,
    stage_path,
    use_outputs,
)
from .staleness import plan, sync_pairs

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
    settings()  # the environment's settings (RATIOED_LANES, timeouts), checked
    params = prepare(params_file, overrides, sources)  # validated, verified
    with build_lock():
        # the kernel starts first when notebooks are stale by their .py copies (the source), so
        # it starts up while the pairs are synced and the driver imports what it needs
        all_nbs, declared, prints, manifest, stale, _, parts = plan(params, only)
        clear_kernel_dirs()  # a killed build's sockets (we hold the lock)
        km = _first_kernel(lanes(stale))
        stage, warm = None, _Warmer()
        try:
            synced = sync_pairs()
            for line in synced:
                print(line, file=sys.stderr)
            if synced:  # a .py copy rewritten from its .ipynb: plan again
                all_nbs, declared, prints, manifest, stale, _, parts = plan(params, only)
            run = lanes(stale)
            if not stale and km is not None:
                stop_kernel(km)
                km = None
            if not stale and manifest.get("export") == prints["export"]:  # files checked by plan
                return f"{paths.REPORT_HTML.relative_to(paths.PROJ_ROOT)} is up to date"
            if stale and km is None:
                km = _first_kernel(run)
            stage = new_stage(seed=len(stale) < len(all_nbs))  # all re-run: nothing carried over
            use_outputs(stage)
            if stale:
                for nb in stale:
                    manifest.pop(nb.name, None)
                km, first = None, km  # run_lanes stops it, whatever happens
                run_lanes(run, declared, stage, first, progress=progress, on_busy=warm.start)
                warm.join()
            changed = record_changes(params)
            write_data_dictionary(params)  # before the export: the page's "Files" lists it
            export_page([paths.EXECUTED_DIR / nb.name for nb in all_nbs], params)
            # the manifest last, with the hash of every file it vouches for (staleness.plan)
            # with the parts of every fingerprint, so `make status` can say why a notebook re-runs
            kept = manifest.get("parts", {})
            manifest.update({nb.name: prints[nb.name] for nb in stale}, export=prints["export"],
                            parts={nb.name: parts[nb.name] if nb in stale
                                   else kept.get(nb.name, parts[nb.name]) for nb in all_nbs},
                            files=published_files(stage))
            write_text_atomic(paths.MANIFEST_JSON, json.dumps(manifest, indent=2) + "\n")
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


def build_status(sources=None, params_file=None, overrides=None, only=None) -> str:
    """What :func:`build_report` would do with these parameters, and why, without doing it:
    the notebooks that would re-run, each with its reasons (source, parameter, input file,
    library or environment changed; output missing), and whether the page would be exported
    again. Validates the parameters (the same pre-flight as a build); starts no kernel, takes
    no lock, writes nothing but the hash cache. ``make status`` prints it."""
    params = prepare(params_file, overrides, sources)
    p = plan(params, only)
    rel = paths.REPORT_HTML.relative_to(paths.PROJ_ROOT)
    lines = []
    for nb in p.all_nbs:
        if nb in p.stale:
            lines.append(f"  would re-run notebooks/{nb.name}: " + "; ".join(p.reasons[nb.name]))
        else:
            lines.append(f"  up to date    notebooks/{nb.name}")
    export = p.reasons["export"]
    if export:
        lines.append(f"  would export  {rel}: " + "; ".join(export))
        head = (f"make report would run {len(p.stale)} of {len(p.all_nbs)} notebook(s) and "
                f"export the page:")
    else:
        lines.append(f"  up to date    {rel}")
        head = "make report would do nothing: everything is up to date"
    return "\n".join([head, *lines])


def _first_kernel(run: list[list[Path]]):
    """The first lane's kernel, started now, importing what its notebooks import (None when
    nothing runs)."""
    return start_kernel(stage_path(), imported_modules(run[0])) if run else None


class _Warmer:
    """Imports what the driver needs after the notebooks -- pandas to compare the outputs,
    nbconvert and the page's compiled templates to export them (a second of CPU) -- in a
    thread started when the first kernel is given its first code cell, by when papermill has made
    its own imports and the main thread only waits on the kernel. Any failure here is left to
    the comparison and the export to meet again, in the main thread."""

    def __init__(self):
        import threading

        self._thread = threading.Thread(target=self._run, name="ratioed-warm", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        if self._thread.ident is not None:
            self._thread.join()

    @staticmethod
    def _run() -> None:
        try:
            import pandas  # noqa: F401

            from ..analysis import changes  # noqa: F401
            from . import export  # noqa: F401

            export.warm()
        except Exception:  # noqa: BLE001 -- the export imports again and reports it
            pass


def export_page(executed: list[Path], params: dict) -> None:
    """Export the report page (:func:`ratioed.pipeline.export.export_report`, imported only when a page
    is written: a no-op build loads no nbconvert); an export refusal is a build failure."""
    from . import export
    try:
        export.export_report(executed, params)
    except export.ExportError as err:
        raise BuildError(f"export: {err}") from None


def write_data_dictionary(params: dict) -> None:
    """``reports/tables/datapackage.json`` into the stage, from the tables written there
    (:mod:`ratioed.present.datapackage`): published with the set it describes, and vouched for by
    the manifest written after it."""
    from .. import __version__
    from ..present.datapackage import write_datapackage

    write_datapackage(paths.TABLES_DIR, params, __version__)


def record_changes(params: dict) -> str:
    """Compare the staged set with the published one; write ``changes.csv`` into the stage and
    return the one-line summary (see :mod:`ratioed.analysis.changes`)."""
    from ..analysis.changes import COLUMNS, compare, summary
    from ..inputs.files import write_csv_atomic

    changes = compare(paths.PROJ_ROOT, paths.OUTPUT_ROOT, params.get("definition") or story.DEFINITION)
    import pandas as pd

    write_csv_atomic(changes if changes is not None else pd.DataFrame(columns=COLUMNS),
                     paths.CHANGES_CSV)
    return summary(changes)


def copy_project(dest: Path, root: Path | None = None) -> Path:
    """A copy of what a build reads (notebooks, parameters, claims, observations, the committed
    week, Makefile, the library's source for Make's dependencies) at ``dest``, for a build
    isolated from the project's outputs: run it with ``RATIOED_ROOT=dest``. The tests (fixture
    ``project_copy``) and the benchmarks build in such copies."""
    import shutil

    root = Path(root or paths.PROJ_ROOT)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    for folder in ("notebooks", "params", "src"):
        shutil.copytree(root / folder, dest / folder, ignore=ignore)
    (dest / "data" / "raw").mkdir(parents=True)
    for name in ("claims.yaml", "claims-generic.yaml"):  # the story's ledger and the generic one
        shutil.copy(root / "data" / name, dest / "data" / name)
    evidence = Path(story.EVIDENCE).name
    for name in ("observations.csv", evidence, evidence + ".provenance.json"):  # committed inputs
        shutil.copy(root / "data" / "raw" / name, dest / "data" / "raw")
    shutil.copy(root / "Makefile", dest / "Makefile")
    return dest
