"""The archive snapshots a build reads: found, downloaded, verified, and stamped.

Sources are resolved (URLs downloaded, with a set's pin as pooch's known hash; with no source
given, the latest or the pinned snapshot in ``data/raw/`` found) and **verified**: every source
with a ``<file>.provenance.json`` record is re-hashed and compared with the sha256 recorded at
download, and a set's ``snapshot_sha256`` pin must be among the sources (:func:`verify_sources`).
Hashes are cached in ``build/`` by (path, size, mtime, ctime, inode) (:class:`HashCache`), so an
unchanged 100 MB archive is not re-hashed on every build but a changed one always is; a cached
digest that would refuse a file is computed again from its bytes before the file is refused.

:func:`write_stamp` is the heart of the build's pre-flight (``python -m ratioed.pipeline.params check
--stamp``, :func:`ratioed.pipeline.params.check_stamp`): it verifies the snapshots and rewrites
``build/inputs.stamp`` only when an input's content changed, so Make rebuilds the report only
then. The parameters themselves are :mod:`ratioed.pipeline.params`'; nothing here imports pandas.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .. import paths
from ..errors import FileNotFound, InputError, ParameterError
from .files import is_url, read_sidecar, sidecar


def display_path(path: Path) -> str:
    """``path`` as messages show it: relative to the project root when inside it."""
    try:
        return str(path.resolve().relative_to(paths.PROJ_ROOT))
    except ValueError:
        return str(path)


def resolve_sources(params: dict, download_missing: bool = True) -> dict:
    """Replace URLs by downloaded snapshots (with the pin as pooch's known hash) and fill in the
    snapshot when no source is given: the newest in ``data/raw/`` with the pinned sha256 when the
    set pins one, else the newest; downloads one when there is none."""
    from .download import download

    pin = params.get("snapshot_sha256")
    resolved = []
    for src in params["sources"]:
        resolved.append(str(download(src, known_hash=pin)) if is_url(src) else src)
    if not resolved:
        found = default_snapshot(pin)
        if found is None:
            print("no snapshot of the archive in data/raw/: downloading one", file=sys.stderr)
            found = download()
        resolved = [str(found)]
    _check_observations(params)
    return {**params, "sources": resolved, "observations": params.get("observations")}


def _check_observations(params: dict) -> str:
    """The reporters' readings file the parameters name (or the default one), which must exist."""
    observations = params.get("observations") or str(paths.OBSERVATIONS_CSV)
    if not Path(observations).is_file():
        raise FileNotFound(display_path(Path(observations)), "OBSERVATIONS")
    return observations


def default_snapshot(pin: str | None) -> Path | None:
    """With no source given: the newest snapshot in data/raw/ recorded with the pinned sha256
    (an error when there is none), else the newest; None when there is no snapshot yet."""
    from .download import latest_snapshot, pinned_snapshot

    if not pin:
        return latest_snapshot()
    found = pinned_snapshot(pin)
    if found is None:
        raise ParameterError(
            "SNAPSHOT_SHA256", pin, "no snapshot in data/raw/ has this sha256",
            choices="run `make download` (it fetches the archive and checks it against the "
                    "pin), or give the pinned file with SOURCE=")
    return found



def _hash_cache_path() -> Path:
    return paths.BUILD_DIR / "sha256-cache.json"


class HashCache:
    """sha256 of files, remembered by (path, size, mtime_ns, ctime_ns, inode): a file rewritten
    in any way changes its ctime (which no tool can set back), so it is always re-hashed.

    The cache is a hint, never the truth: a cache file that does not parse, or an entry of the
    wrong shape, is ignored; and a digest taken from the cache that would refuse a file (a
    provenance record or a pin disagreeing) is re-computed from the file's bytes first
    (:func:`verify_sources`), so a stale or poisoned entry can never refuse intact evidence."""

    def __init__(self, path: Path | None = None):
        self.path = path or _hash_cache_path()
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        self.entries = entries if isinstance(entries, dict) else {}
        self.changed = False
        self.hashed: list[str] = []  # files actually read this time (for tests and timing)
        self.cached: set[str] = set()  # files whose digest came from the cache this time

    def sha256(self, file: Path | str, fresh: bool = False) -> str:
        """The file's sha256: from the cache when its entry matches the file's identity and
        times, else (or with ``fresh``) from its bytes."""
        from .files import sha256_file

        file = Path(file).resolve()
        st = file.stat()
        key = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        entry = self.entries.get(str(file))
        if not fresh and _well_formed(entry) and entry[:4] == key:
            self.cached.add(str(file))
            return entry[4]
        digest = sha256_file(file)
        self.hashed.append(str(file))
        self.cached.discard(str(file))
        self.entries[str(file)] = key + [digest]
        self.changed = True
        return digest

    def recheck(self, file: Path | str, digest: str) -> str:
        """``digest`` when it was computed from the file's bytes this time; when it came from the
        cache, the file's sha256 computed again from its bytes (and the entry corrected)."""
        return self.sha256(file, fresh=True) if str(Path(file).resolve()) in self.cached \
            else digest

    def save(self) -> None:
        from .files import write_text_atomic

        if self.changed:
            write_text_atomic(self.path, json.dumps(self.entries, indent=0, sort_keys=True) + "\n")
            self.changed = False


def _is_sha256(text) -> bool:
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _well_formed(entry) -> bool:
    """A cache entry: [size, mtime_ns, ctime_ns, inode, sha256 in 64 hexadecimal digits]."""
    return (isinstance(entry, list) and len(entry) == 5
            and all(type(v) is int for v in entry[:4]) and _is_sha256(entry[4]))


def verify_sources(params: dict, cache: HashCache | None = None) -> dict[str, str]:
    """Check every local source against its provenance record and the set's pin.

    A source with a ``<file>.provenance.json`` record must still have the sha256 recorded when it
    was downloaded; with ``snapshot_sha256`` set, one of the sources must have that sha256.
    Returns ``{source: sha256}``; raises :class:`InputError` naming the file, both hashes and
    what to do.
    """
    cache = cache or HashCache()
    hashes = {}
    try:
        for src in params["sources"]:
            if is_url(src):
                continue
            path = Path(src)
            digest = hashes[src] = cache.sha256(path)
            try:
                record = read_sidecar(path)
                if record is None:
                    continue
                expected = record["sha256"]
                if not _is_sha256(expected):  # never quote whatever the record holds instead
                    raise ValueError("not a sha256")
            except (OSError, ValueError, KeyError, TypeError):
                raise InputError(display_path(sidecar(path)), "provenance record unreadable or has no "
                                 "'sha256' (64 hexadecimal digits)", hint="restore it from the "
                                 "download, or run `make download` for a fresh snapshot") from None
            if digest != expected:
                digest = hashes[src] = cache.recheck(path, digest)  # the cache is a hint
            if digest != expected:
                raise InputError(
                    display_path(path),
                    f"sha256 is {digest} but its provenance record says {expected}: the file "
                    "changed after it was downloaded",
                    hint="restore the original file, or run `make download` for a fresh "
                         "verified snapshot and remove this one")
        pin = params.get("snapshot_sha256")
        if pin and hashes and pin not in hashes.values():
            hashes = {s: cache.recheck(s, h) for s, h in hashes.items()}
        if pin and hashes and pin not in hashes.values():
            found = "; ".join(f"{display_path(Path(s))} has {h}" for s, h in hashes.items())
            raise ParameterError(
                "SNAPSHOT_SHA256", pin, f"the parameter set pins this snapshot, but {found}",
                choices="give the pinned file with SOURCE=, run `make download` to fetch it, "
                        "or clear the pin (SNAPSHOT_SHA256= in the set) to analyse another")
    finally:
        cache.save()
    return hashes


def write_stamp(stamp: Path, params: dict, params_path: Path) -> bool:
    """Verify the snapshots validated ``params`` name and write ``stamp`` with the content hashes
    of every input they name and of the parameter file ``params_path``; rewritten only when one
    changed. A URL, or no snapshot yet, always changes it (the build downloads). Returns whether
    the stamp changed (:func:`ratioed.pipeline.params.check_stamp` reads the parameters first)."""
    from .files import write_text_atomic

    cache = HashCache()
    pin = params["snapshot_sha256"]
    sources = list(params["sources"])
    if not sources:
        found = default_snapshot(pin)
        sources = [str(found)] if found else []
    verify_sources({**params, "sources": sources}, cache)
    always = not sources or any(is_url(s) for s in sources)
    observations = _check_observations(params)
    record = {
        "parameters": params,
        "parameter_file": [str(params_path.resolve()), cache.sha256(params_path)],
        "inputs": {s: (s if is_url(s) else cache.sha256(s))
                   for s in sources + [observations] + list(params.get("context") or [])},
        "always": time.time_ns() if always else None,
    }
    cache.save()
    return write_text_atomic(stamp, json.dumps(record, indent=1, sort_keys=True) + "\n")
