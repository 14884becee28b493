"""What a build must re-run: each notebook's *fingerprint*, and the notebook pairs brought in line.

A notebook's fingerprint hashes its ``.py`` copy (the source), the parameters it declares, the
library's code, the locked environment, the content of the files it reads (sources; claims;
observations) and the fingerprints of the notebooks whose outputs it reads (:data:`READS_FROM`).
A notebook whose fingerprint matches the one in the last successful build's manifest is not run
again (:func:`plan`). Nothing here imports Jupyter unless a pair must be synced.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import NamedTuple

from .. import paths
from ..errors import InputError
from ..inputs.files import write_text_atomic
from ..inputs.snapshots import display_path
from .publish import published_files

NOTEBOOK_GLOB = "[0-9][0-9]-*.py"  # the numbered notebooks' .py copies (the source)
# which notebooks read another's outputs (by file-name prefix); the rest of the order is free, so
# a build runs 03 and 04 side by side. A notebook not listed here reads from all before it.
READS_FROM = {"01": [], "02": ["01"], "03": ["01", "02"], "04": ["01", "02"]}


def notebooks() -> list[Path]:
    """The numbered notebooks (``.ipynb``), in run order; each has a ``.py`` copy, the source.

    Raises :class:`InputError` when a numbered notebook has only one of its two files, or when
    one of the story's notebooks (:data:`READS_FROM`) is missing: a build without its claims
    notebook would publish a page with no claims and say nothing.
    """
    found = {p.stem for p in paths.NOTEBOOKS_DIR.glob(NOTEBOOK_GLOB)} | \
        {p.stem for p in paths.NOTEBOOKS_DIR.glob(NOTEBOOK_GLOB.replace(".py", ".ipynb"))}
    for stem in sorted(found):
        for ext, other in ((".py", ".ipynb"), (".ipynb", ".py")):
            if not (paths.NOTEBOOKS_DIR / (stem + ext)).exists():
                rel = f"notebooks/{stem}"
                raise InputError(rel + ext, f"missing, while {rel}{other} exists: restore it "
                                 f"(`git checkout -- {rel}{ext}`) or make it from its pair "
                                 f"(`jupytext --to {'py:percent' if ext == '.py' else 'ipynb'} "
                                 f"{rel}{other}`)")
    missing = sorted(set(READS_FROM) - {stem[:2] for stem in found})
    if missing:
        raise InputError("notebooks/", "the story's notebook(s) "
                         + ", ".join(missing) + " are missing: restore them (`git checkout -- "
                         "notebooks/`); every page needs all of them")
    return sorted(paths.NOTEBOOKS_DIR / f"{stem}.ipynb" for stem in found)


def reads_from(nb: Path, before: list[Path]) -> list[Path]:
    """The notebooks among ``before`` (those earlier in run order) whose outputs ``nb`` reads,
    by :data:`READS_FROM`; a notebook not listed there reads from every one of them."""
    keys = READS_FROM.get(nb.name[:2])
    return [b for b in before if keys is None or b.name[:2] in keys]


def _hash(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _library_hash() -> str:
    """Hash of the library's Python code (the report template only affects the export)."""
    return _hash(*[f.read_bytes() for f in sorted(Path(__file__).parents[1].rglob("*.py"))])


def _export_hash() -> str:
    """Hash of what the export reads besides the notebooks: the template."""
    return _hash(*[f.read_bytes() for f in sorted(paths.REPORT_TEMPLATE_DIR.rglob("*")) if f.is_file()])


def _environment_hash() -> str:
    """Hash of the locked environment (a dependency change re-runs every notebook)."""
    lock = getattr(paths, "LOCK_FILE", None)
    return content_hash(lock) if lock is not None and Path(lock).exists() else "no lock file"


def _input_files(key: str, params: dict) -> list[Path]:
    """The input files a notebook reads itself (besides other notebooks' outputs)."""
    observations = Path(params.get("observations") or paths.OBSERVATIONS_CSV)
    return {"01": [Path(s) for s in params["sources"]],
            "03": [paths.CLAIMS_YAML, paths.CLAIMS_GENERIC_YAML, observations,
                   *[Path(s) for s in params.get("context") or []]],
            "04": [observations]}.get(key, [])


_HASH_CACHE = None


def content_hash(path: Path | str) -> str:
    """sha256 of a file's bytes through the build's one hash cache (:class:`snapshots.HashCache`:
    a file rewritten in any way -- even with its size and modification time restored -- is
    hashed again)."""
    global _HASH_CACHE
    from ..inputs.snapshots import HashCache

    if _HASH_CACHE is None:
        _HASH_CACHE = HashCache()
    digest = _HASH_CACHE.sha256(path)
    _HASH_CACHE.save()
    return digest


_PARAM_LINE = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=")


def declared_parameters(nb_path: Path) -> list[str]:
    """The names a notebook declares in its ``parameters`` cell, read from its ``.py`` copy
    (``name: type = value  # comment`` per line; no Jupyter import needed)."""
    text = nb_path.with_suffix(".py").read_text(encoding="utf-8")
    cell = re.search(r'^# %% tags=\["parameters"\]\n(.*?)(?=^# %%|\Z)', text, re.M | re.S)
    if cell is None:
        return []
    return [m.group(1) for line in cell.group(1).splitlines() if (m := _PARAM_LINE.match(line))]


def notebook_params(nb_path: Path, params: dict) -> dict:
    """The subset of ``params`` a notebook declares in its ``parameters`` cell."""
    declared = declared_parameters(nb_path)
    return {k: v for k, v in params.items() if k in declared}


def fingerprint_parts(params: dict, declared: dict[str, dict]) -> dict[str, dict]:
    """What each notebook's fingerprint is made of, by part: ``source`` (its ``.py`` copy),
    ``params`` (the parameters it declares, as values), ``library``, ``environment`` (the
    lock), ``inputs`` (each file it reads: path -> content hash, None when missing). The
    manifest keeps these so :func:`plan` can say why a notebook re-runs."""
    lib, env = _library_hash(), _environment_hash()
    return {nb.name: {"source": _hash(nb.with_suffix(".py").read_bytes()),
                      "params": json.loads(json.dumps(declared[nb.name], sort_keys=True,
                                                      default=str)),
                      "library": lib, "environment": env,
                      "inputs": {str(p): (content_hash(p) if p.exists() else None)
                                 for p in _input_files(nb.name[:2], params)}}
            for nb in notebooks()}


def fingerprints(parts: dict[str, dict]) -> dict[str, str]:
    """Fingerprint of every notebook: the hash of its parts (:func:`fingerprint_parts`) and of
    the fingerprints of the notebooks whose outputs it reads. The key ``export`` holds the
    fingerprint of the export (every notebook's, plus the template)."""
    out: dict[str, str] = {}
    order = notebooks()
    for i, nb in enumerate(order):
        out[nb.name] = _hash(json.dumps(parts[nb.name], sort_keys=True),
                             *[out[b.name] for b in reads_from(nb, order[:i])])
    out["export"] = _hash(_export_hash(), *[out[nb.name] for nb in order])
    return out


def sync_pairs() -> list[str]:
    """Bring each notebook's ``.ipynb`` in line with its ``.py`` copy (the source), by content.

    The bytes of both files at the last sync are kept in ``build/pairs.json``. When only the
    ``.py`` changed, the ``.ipynb`` is rewritten from it (cell ids and outputs kept where cells
    match); when only the ``.ipynb`` changed (saved from Jupyter without pairing), the ``.py`` is
    rewritten; when both changed and their cells differ, the build stops: a person must choose.
    With no record (a fresh checkout, or after ``make clean``), the file that differs from the
    last commit is the edited one; outside git, the one written later. When neither tells (both
    differ from the commit, or the same time), the build stops and a person chooses.
    Returns a line per file rewritten.
    """
    record_file = paths.BUILD_DIR / "pairs.json"
    try:
        record = json.loads(record_file.read_text())
    except (OSError, ValueError):
        record = {}
    done, changed = [], False
    for ipynb in notebooks():
        py = ipynb.with_suffix(".py")
        now = {"py": _hash(py.read_bytes()),
               "ipynb": _hash(ipynb.read_bytes()) if ipynb.exists() else None}
        last = record.get(ipynb.stem)
        if now == last:
            continue
        import jupytext
        from jupytext.cli import jupytext as jupytext_cli

        def cells(nb):
            return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", [])))
                    for c in nb.cells]

        same = ipynb.exists() and cells(jupytext.read(py)) == cells(jupytext.read(ipynb))
        rel = ipynb.relative_to(paths.PROJ_ROOT).with_suffix("")
        if not same:
            if last is None:  # no record (first build here, or after `make clean`)
                py_changed, nb_changed = _edited(py, ipynb)
            else:
                py_changed, nb_changed = now["py"] != last["py"], now["ipynb"] != last["ipynb"]
            if py_changed and not nb_changed:
                jupytext_cli(["--quiet", "--to", "ipynb", "--update", str(py)])
                done.append(f"synced {rel}.ipynb from its .py copy")
            elif nb_changed and not py_changed:
                jupytext_cli(["--quiet", "--to", "py:percent", str(ipynb)])
                done.append(f"synced {rel}.py from its .ipynb")
            else:
                both = "were both edited" if last else "differ, and which was edited is unknown"
                raise InputError(f"{rel}.py", f"{rel}.py and {rel}.ipynb {both}: keep one, "
                                 f"`jupytext --to ipynb --update {rel}.py` to keep the .py (the "
                                 f"reviewed copy) or `jupytext --to py:percent {rel}.ipynb` to "
                                 "keep the .ipynb")
        record[ipynb.stem] = {"py": _hash(py.read_bytes()), "ipynb": _hash(ipynb.read_bytes())}
        changed = True
    if changed:
        paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
        write_text_atomic(record_file, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return done


def _edited(py: Path, ipynb: Path) -> tuple[bool, bool]:
    """Which of a notebook's two files was edited, with no record of the last sync: those that
    differ from the last commit; outside a git checkout, the one written later (both when their
    times are equal)."""
    import subprocess

    def git(*args) -> int:
        return subprocess.run(["git", *args], cwd=py.parent, capture_output=True,
                              timeout=30).returncode

    try:  # tracked in a checkout: compare with the last commit
        tracked = git("ls-files", "--error-unmatch", py.name, ipynb.name) == 0
        res = [git("diff", "--quiet", "HEAD", "--", p.name) for p in (py, ipynb)] if tracked else []
    except (OSError, subprocess.TimeoutExpired):
        res = []
    if res and all(code in (0, 1) for code in res):
        return res[0] == 1, res[1] == 1
    a, b = py.stat().st_mtime_ns, ipynb.stat().st_mtime_ns
    return a >= b, b >= a


class Plan(NamedTuple):
    """What a build would do: every notebook, each one's declared parameters and fingerprint
    (``prints``, with ``export``), the last build's manifest (empty when it cannot be trusted),
    the notebooks to run, why each runs (``reasons``: notebook name -> reasons; ``export``: why
    the page would be exported again, empty when it would not) and the fingerprints' parts."""

    all_nbs: list[Path]
    declared: dict[str, dict]
    prints: dict[str, str]
    manifest: dict
    stale: list[Path]
    reasons: dict[str, list[str]]
    parts: dict[str, dict]


def plan(params: dict, only=None) -> Plan:
    """The notebooks, their parameters and fingerprints, the last build's manifest, and the
    notebooks to run: those whose fingerprint changed or whose output is missing (``only``:
    exactly those named), each with its reasons (:func:`why`)."""
    all_nbs = notebooks()
    declared = {nb.name: notebook_params(nb, params) for nb in all_nbs}
    parts = fingerprint_parts(params, declared)
    prints = fingerprints(parts)
    manifest = read_manifest()
    trusted = bool(manifest)
    if manifest.get("files") != published_files(paths.PROJ_ROOT):
        manifest = {}  # the published files are not the set this manifest describes: re-run all
    if only:
        stale = [nb for nb in all_nbs if nb.name in only or nb.stem in only]
    else:
        stale = [nb for nb in all_nbs if manifest.get(nb.name) != prints[nb.name]
                 or not (paths.EXECUTED_DIR / nb.name).exists()]
    reasons = why(all_nbs, stale, prints, parts, manifest, trusted, only)
    return Plan(all_nbs, declared, prints, manifest, stale, reasons, parts)


def _short(value, limit: int = 60) -> str:
    from ..errors import printable

    text = printable(json.dumps(value) if not isinstance(value, str) else value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def why(all_nbs, stale, prints, parts, manifest, had_manifest=True, only=None) -> dict:
    """Why each stale notebook re-runs, in words, from the parts of its fingerprint against
    those the last build recorded; ``export``: why the page would be exported again."""
    out: dict[str, list[str]] = {}
    last_parts = manifest.get("parts", {})
    names = {nb.name for nb in stale}
    for nb in all_nbs:
        if nb.name not in names:
            continue
        r: list[str] = []
        now, last = parts[nb.name], last_parts.get(nb.name)
        if only:
            r.append("named by --only")
        elif not manifest:
            r.append("no published build to reuse" if not had_manifest else
                     "the published files are not the ones the last build wrote")
        elif not (paths.EXECUTED_DIR / nb.name).exists():
            r.append("output missing (its executed notebook)")
        if not only and manifest and manifest.get(nb.name) != prints[nb.name]:
            if last is None:
                r.append("its fingerprint changed (the last build kept no details)")
            else:
                if now["source"] != last.get("source"):
                    r.append(f"source changed (notebooks/{nb.stem}.py)")
                before = last.get("params", {})
                for k in sorted(set(now["params"]) | set(before)):
                    if now["params"].get(k) != before.get(k):
                        r.append(f"parameter {k} changed ({_short(before.get(k))} -> "
                                 f"{_short(now['params'].get(k))})")
                was = last.get("inputs", {})
                for f in sorted(set(now["inputs"]) | set(was)):
                    if f not in was:
                        r.append(f"input file added: {display_path(Path(f))}")
                    elif now["inputs"].get(f) != was.get(f):
                        r.append(f"input file {'missing' if now['inputs'].get(f) is None else 'changed'}: "
                                 f"{display_path(Path(f))}")
                if now["library"] != last.get("library"):
                    r.append("library changed (src/ratioed/)")
                if now["environment"] != last.get("environment"):
                    r.append("environment changed (requirements.lock)")
                ups = [b.stem for b in reads_from(nb, all_nbs[:all_nbs.index(nb)])
                       if b.name in names]
                if ups:
                    r.append("reads the outputs of " + ", ".join(ups) + ", which re-run")
                if len(r) == 0:
                    r.append("its fingerprint changed")
        out[nb.name] = r
    export: list[str] = []
    if stale:
        export.append(f"{len(stale)} notebook(s) re-run")
    elif manifest.get("export") != prints["export"]:
        export.append("no published page to reuse" if not manifest else
                      "the page's template changed (src/ratioed/present/templates/report/)")
    out["export"] = export
    return out


def read_manifest() -> dict:
    try:
        return json.loads(paths.MANIFEST_JSON.read_text())
    except (OSError, ValueError):
        return {}
