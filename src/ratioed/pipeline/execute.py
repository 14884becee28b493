"""Run notebooks with papermill in Jupyter kernels, in up to two lanes side by side.

A *lane* is a chain of notebooks run in order in one kernel (its start-up and imports paid
once; the namespace reset before each notebook so none leans on another's variables). The stale
notebooks are split into lanes by what they read (:func:`lanes`,
:func:`ratioed.pipeline.staleness.reads_from`): the claims and figures notebooks both read only the
loading and ratios notebooks' outputs, so on a clean build the figures notebook runs in a
second kernel, on the machine's second core, while the claims notebook runs in the first. A
notebook waits for every notebook it reads from, whichever lane runs it, so the outputs are
the same as a run in order (the byte-identical build test runs both ways).

Every lane runs in a thread of its own while the calling thread waits (so a Ctrl-C always
reaches it); each later lane starts its kernel once the first kernel runs its first cell (so two
kernels do not start, and import, on the same cores at once). A failure stops the other lanes
at their next notebook; an interrupt kills every kernel at once. The error reported is the one
of the first failed notebook in run order.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .. import paths
from ..errors import InputError
from .staleness import reads_from

KERNEL_NAME = "python3"
# the environment's settings and their defaults, whole numbers (nbclient takes whole seconds);
# read when used, all checked up front by `settings`
SETTINGS = {
    "RATIOED_LANES": 2,  # kernels at once, capped at the cores (1: one, notebooks in order)
    "RATIOED_CELL_TIMEOUT": 600,  # seconds a cell may run
    "RATIOED_KERNEL_TIMEOUT": 60,  # seconds a kernel may take to start
}


def setting(name: str) -> int:
    """The environment variable ``name`` of :data:`SETTINGS` (its default when unset or empty),
    or an :class:`InputError` naming it when it is not a whole number of at least 1."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return SETTINGS[name]
    if not (raw.isascii() and raw.isdecimal()) or int(raw) < 1:
        raise InputError(name, f"{raw!r} is not a whole number of at least 1 (unset it for "
                               f"{SETTINGS[name]})")
    return int(raw)


def settings() -> dict[str, int]:
    """Every setting, checked (a build calls this before it takes the lock)."""
    return {name: setting(name) for name in SETTINGS}


def max_lanes() -> int:
    """How many kernels a build runs at once: ``RATIOED_LANES``, at most the machine's cores."""
    return max(1, min(setting("RATIOED_LANES"), os.cpu_count() or 1))


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


def _check_executed(nb_path: Path, nb) -> None:
    """Refuse output the executed notebook ``nb`` carries that the report must not: errors,
    tracebacks, warnings, stderr."""
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
            # so each notebook's `%reset -f` (a full collection) does not walk it again
            "import gc as _ratioed_gc\n_ratioed_gc.collect()\n_ratioed_gc.freeze()\n"
            "del _ratioed_gc\n")
    return code


def clear_kernel_dirs() -> None:
    """Remove the socket folders a killed build left (call holding the build lock)."""
    for old in paths.BUILD_DIR.glob("kernel-*"):
        shutil.rmtree(old, ignore_errors=True)


@functools.cache
def _ready_client_class():
    """jupyter_client's async kernel client, but ready without an idle wait.

    Papermill connects a new client for every notebook, and jupyter_client's ``wait_for_ready``
    ends by listening until IOPub has been silent for 0.2 s: 0.2 s of nothing per notebook, three
    notebooks on a clean build's critical path. This one does the same handshake (a
    ``kernel_info`` reply on shell, then one IOPub message to show IOPub is connected, else try
    again) and stops there. A late IOPub message is harmless: nbclient only takes the messages
    whose parent is the cell it runs. Written against the locked jupyter_client (8.10)."""
    import time
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyKernelClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    msg = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    pass
                else:
                    if msg["msg_type"] == "kernel_info_reply":
                        try:  # IOPub connected: it hears the kernel's status for that request
                            await self.iopub_channel.get_msg(timeout=0.2)
                        except Empty:
                            pass
                        else:
                            self._handle_kernel_info_reply(msg)
                            return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    return ReadyKernelClient


def start_kernel(stage: Path, preload: list[str] = (), lane: int = 0):
    """Start a kernel for the build (one per lane), with outputs redirected to ``stage``
    (``RATIOED_STAGE``; the stage itself may not exist yet) and its sockets in a folder of its
    own (``build/kernel-<pid>-<lane>``: no two kernels share a socket). ``preload``: modules it
    imports as it starts (:func:`_preload`); each notebook's first cell (``%reset -f``) leaves
    them loaded."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.utils import run_sync

    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    sockets = paths.BUILD_DIR / f"kernel-{os.getpid()}-{lane}"
    sockets.mkdir(parents=True)
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(sockets / "ipc"),
                            client_factory=_ready_client_class())
    env = {**os.environ, "PYTHONHASHSEED": "0", "RATIOED_ROOT": str(paths.PROJ_ROOT),
           "RATIOED_STAGE": str(stage)}
    env.pop("MPLBACKEND", None)  # Agg would stop inline figures from reaching the report
    extra = [f"--IPKernelApp.exec_lines={_preload(list(preload))}"] if preload else []
    km.ratioed_sockets = sockets
    try:
        run_sync(km.start_kernel)(env=env, cwd=str(paths.NOTEBOOKS_DIR), extra_arguments=extra)
    except Exception as err:  # noqa: BLE001 -- any launch failure is one line, and no leftovers
        shutil.rmtree(sockets, ignore_errors=True)
        raise BuildError(f"the Jupyter kernel {KERNEL_NAME!r} did not start "
                         f"({type(err).__name__}: {err})") from None
    return km


def stop_kernel(km) -> None:
    """Stop ``km`` at once (call from the thread that started it) and remove its sockets."""
    from jupyter_client.utils import run_sync

    try:
        # SIGKILL and reap first: jupyter_client's own kill polls for the exit every 0.1 s
        kill_kernel(km)
        run_sync(km.shutdown_kernel)(now=True)
    finally:
        shutil.rmtree(km.ratioed_sockets, ignore_errors=True)


def kill_kernel(km) -> None:
    """Kill ``km``'s process from any thread; the thread running a notebook in it sees a dead
    kernel and stops (used to abandon a lane when the build fails or is interrupted)."""
    try:
        process = km.provisioner.process
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the kernel and its children
        process.wait(10)
    except (AttributeError, OSError, subprocess.TimeoutExpired):  # not started, or gone
        pass


def run_notebook(nb_path: Path, parameters: dict, km, progress: bool = True,
                 on_cell_execute=None) -> None:
    """Execute one notebook in the kernel ``km`` with ``parameters``; raise BuildError on a
    failure (:class:`NotebookInputError` when the notebook refused its input), or on a cell that
    runs longer than ``RATIOED_CELL_TIMEOUT`` seconds. ``on_cell_execute(cell=, cell_index=)``
    is called once a cell is sent to the kernel."""
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError

    cell_timeout = setting("RATIOED_CELL_TIMEOUT")
    kernel_timeout = setting("RATIOED_KERNEL_TIMEOUT")
    paths.EXECUTED_DIR.mkdir(parents=True, exist_ok=True)
    executed = paths.EXECUTED_DIR / nb_path.name
    name = nb_path.relative_to(paths.PROJ_ROOT)
    print(f"running {name}\n", end="", file=sys.stderr, flush=True)  # one write: lanes share stderr
    try:
        # No `cwd`: the kernel was started in notebooks/, and papermill's chdir would change
        # the whole driver's folder under a notebook running in another lane's thread.
        # No save per cell: papermill rewrote (and validated) the whole executed notebook before
        # and after every cell, 140 times a clean build, the figures notebook's with its images
        # each time (builds 4-9% faster without). It is written once at the end, or with the
        # error when a cell fails; a cell that times out is named from nbclient's message.
        done = pm.execute_notebook(
            str(_prepare(nb_path)), str(executed), parameters=parameters,
            kernel_name=KERNEL_NAME, progress_bar=progress, km=km,
            on_cell_execute=on_cell_execute, request_save_on_cell_execute=False,
            execution_timeout=cell_timeout, start_timeout=kernel_timeout)
    except pm.PapermillExecutionError as err:
        evalue = (err.evalue or "").splitlines()[0] if err.evalue else ""
        if err.ename == "InputError":
            raise NotebookInputError(f"{name}: {evalue}") from None
        raise BuildError(f"{name}, {_source_cell(executed, err.cell_index)}: "
                         f"{err.ename}: {evalue}") from None
    except CellTimeoutError as err:
        raise BuildError(f"{name}, {_timed_out_cell(nb_path, err)}: no result after "
                         f"{cell_timeout:g} s (RATIOED_CELL_TIMEOUT)") from None
    except RuntimeError as err:  # the kernel did not start or died
        raise BuildError(f"{name}: kernel failed ({err}); kernel start timeout "
                         f"{kernel_timeout:g} s (RATIOED_KERNEL_TIMEOUT)") from None
    _check_executed(nb_path, done)  # the notebook papermill has just written


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


# --------------------------------------------------------------------------- lanes


def lanes(stale: list[Path], most: int | None = None) -> list[list[Path]]:
    """Split ``stale`` (notebooks in run order) into at most ``most`` lanes. A notebook joins
    the first lane whose last notebook it reads from (a chain: no waiting); one that reads from
    no lane's last notebook opens a new lane while there are fewer than ``most``, else joins the
    first. Within a lane the run order is kept; a notebook also waits for the notebooks it reads
    from in other lanes (:func:`run_lanes`), which always come earlier in run order."""
    most = max_lanes() if most is None else most
    out: list[list[Path]] = []
    for i, nb in enumerate(stale):
        reads = set(reads_from(nb, stale[:i]))
        lane = next((lane for lane in out if lane[-1] in reads), None)
        if lane is None and len(out) < most:
            out.append(lane := [])
        (lane if lane is not None else out[0]).append(nb)
    return out


def run_lanes(plan: list[list[Path]], declared: dict[str, dict], stage: Path, km,
              progress: bool = True, on_busy=None) -> None:
    """Run ``plan`` (from :func:`lanes`), each lane in a thread of its own: the first in the
    started kernel ``km`` (stopped here, whatever happens), each other in a kernel the thread
    starts. ``on_busy()`` is called once, when the first kernel is given its first code cell.

    This thread only waits, so a Ctrl-C reaches it as a KeyboardInterrupt wherever the lanes
    are; on any exception here every kernel is killed and the threads joined before it
    propagates.
    Raises the failure of the first failed notebook in run order (:class:`BuildError`,
    :class:`NotebookInputError`)."""
    order = sorted((nb for lane in plan for nb in lane), key=lambda nb: nb.name)
    done = {nb: threading.Event() for nb in order}
    failed: dict[Path, BaseException] = {}
    abandon, busy = threading.Event(), threading.Event()  # busy: the first kernel runs a cell
    kernels: dict[int, object] = {0: km}
    lock = threading.Lock()

    def first_lane_cell(cell, **_):
        if cell.get("cell_type") == "code" and not busy.is_set():
            busy.set()
            if on_busy is not None:
                on_busy()

    def wait(event: threading.Event) -> bool:
        """Wait for ``event``; False when the lane must stop instead (a failure elsewhere)."""
        while not event.wait(0.05):
            if failed or abandon.is_set():
                return False
        return not (failed or abandon.is_set())

    def run_lane(n: int, lane: list[Path]) -> None:
        kernel, current = kernels.get(n), lane[0]
        try:
            if kernel is None:  # a later lane: start once the first lane's kernel is busy
                if not wait(busy):
                    return
                with lock:
                    if abandon.is_set():
                        return
                    kernel = kernels[n] = start_kernel(stage, imported_modules(lane), lane=n)
            for current in lane:
                if not all(wait(done[b]) for b in reads_from(current, order[:order.index(current)])):
                    return
                if failed or abandon.is_set():
                    return
                run_notebook(current, declared[current.name], kernel, progress=progress,
                             on_cell_execute=first_lane_cell if n == 0 else None)
                done[current].set()
        except BaseException as err:  # noqa: BLE001 -- raised by the waiting thread
            if not isinstance(err, BuildError):  # one line at the command line
                err = BuildError(f"{current.relative_to(paths.PROJ_ROOT)}: "
                                 f"{type(err).__name__}: {err}")
            with lock:
                if not abandon.is_set():  # not the kill below
                    failed[current] = err
        finally:
            if kernel is not None and n > 0:  # the first is the caller's: stopped below
                try:
                    stop_kernel(kernel)
                except Exception:  # noqa: BLE001 -- a killed kernel; its sockets are removed
                    pass

    threads = [threading.Thread(target=run_lane, args=(n, lane), name=f"ratioed-lane-{n}",
                                daemon=True) for n, lane in enumerate(plan)]
    try:
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        except BaseException:
            abandon.set()  # first: the lanes stop at their next step even if we are cut short
            with lock:
                for n in kernels:
                    kill_kernel(kernels[n])  # a notebook running in it fails within a second
            for t in threads:
                if t.ident is not None:
                    t.join()
            raise
    finally:
        stop_kernel(km)
    if failed:
        raise failed[min(failed, key=lambda nb: nb.name)]
