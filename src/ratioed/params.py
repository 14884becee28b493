"""The parameter model: one table (:data:`PARAMETERS`) from which everything else is checked.

A build's parameters come from a named YAML set (``params/default.yaml`` unless ``PARAMS``
names another), overridden by any Make variable given (an empty one means "not set"), or by
``ratioed report --set name=value`` and the command line's sources. Every value is validated
here, in milliseconds and before any notebook or kernel starts (this module imports neither
pandas nor Jupyter), and each error is one line naming the Make variable, the value and what is
accepted::

    DEFINITION='most': not a definition of "ratioed"; choices: both, either, likes, retruths
    file not found: my posts.csv (Make variable SOURCE)

Make passes its variables in the environment, never pasted into a shell line
(:func:`from_make`), so a file name is only ever a file name. Sources are then resolved
(URLs downloaded, the latest or pinned snapshot found) and **verified**: every source with a
``<file>.provenance.json`` record is re-hashed and compared with the sha256 recorded at download,
and a set's ``snapshot_sha256`` pin must be among the sources (:func:`verify_sources`). Hashes are
cached in ``build/`` by (path, size, mtime, ctime, inode), so an unchanged 100 MB archive is not
re-hashed on every build but a changed one always is.

``python -m ratioed.params check --stamp build/inputs.stamp`` is the build's cheap pre-flight:
it validates, verifies and rewrites the stamp only when an input's content changed (Make then
rebuilds the report); ``vars`` and ``markdown`` print the table for ``make help`` and the README; ``cell NAME...``
prints typed lines for a notebook's parameters cell.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from . import paths
from .errors import InputError
from .files import read_sidecar, sidecar

# The definitions of "ratioed" are ratios.DEFINITIONS; copied here so that validating a parameter
# does not import pandas (a test checks the two lists are equal).
DEFINITION_CHOICES = ("both", "either", "likes", "retruths")
_WINDOW = re.compile(r"([1-9][0-9]{0,6})(D|h|min|s)")
_WINDOW_SECONDS = {"D": 86400, "h": 3600, "min": 60, "s": 1}
_MAX_WINDOW_SECONDS = 100 * 366 * 86400  # far inside pandas' Timedelta range (~292 years)
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class ParameterError(InputError):
    """A parameter value refused: names the Make variable, the value and what is accepted."""

    def __init__(self, var: str, value: object, problem: str, *, origin: str | None = None,
                 choices: str | None = None):
        self.var, self.value, self.origin, self.choices = var, value, origin, choices
        self.source, self.problem, self.where, self.field, self.hint = var, problem, None, None, None
        where = f" ({origin})" if origin else ""
        msg = f"{var}={value!r}{where}: {problem}" + (f"; choices: {choices}" if choices else "")
        ValueError.__init__(self, msg)


class FileNotFound(InputError):
    """A named input file does not exist: ``file not found: <path> (Make variable SOURCE)``."""

    def __init__(self, path: object, var: str, origin: str | None = None):
        self.var, self.path = var, str(path)
        self.source, self.problem, self.where, self.field, self.hint = \
            str(path), "file not found", None, None, None
        at = f"{origin}; Make variable {var}" if origin else f"Make variable {var}"
        ValueError.__init__(self, f"file not found: {path} ({at})")


# --------------------------------------------------------------------------- value checks
# Each takes the raw value (a string from Make or --set; any YAML value from a parameter file)
# and returns the typed value, or raises ValueError(problem).


def _text(value) -> str:
    if isinstance(value, (dict, list, tuple, set)):
        raise ValueError("a single value is needed, not a list or mapping")
    return str(value).strip()


def _date(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise ValueError("a day is needed, not a time")
    if isinstance(value, date):  # YAML reads an unquoted 2025-07-11 as a date
        return value.isoformat()
    text = _text(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as err:
        raise ValueError(f"not a real date ({err})") from None


def _zone(value) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = _text(value)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", text) \
            or text in {"localtime", "posixrules", "Factory"}:
        raise ValueError("not an IANA time zone name")
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("not an IANA time zone name") from None
    return text


def _definition(value) -> str:
    text = _text(value)
    if text not in DEFINITION_CHOICES:
        raise ValueError('not a definition of "ratioed"')
    return text


def _post_id(value) -> str:
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("not a post id (write it as a quoted string of digits)")
    text = _text(value)
    if not re.fullmatch(r"[1-9][0-9]{0,24}", text):
        raise ValueError("not a post id (digits only, no leading zero)")
    return text


def _window(value) -> str:
    text = _text(value)
    match = _WINDOW.fullmatch(text)
    if not match:
        raise ValueError("not a window length")
    if int(match[1]) * _WINDOW_SECONDS[match[2]] > _MAX_WINDOW_SECONDS:
        raise ValueError("window longer than 100 years")
    return text


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("not true or false")


def _account(value) -> str | None:
    if value is None or value == "":
        return None
    text = _text(value).lstrip("@")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+(@[A-Za-z0-9.\-]+)?", text):
        raise ValueError("not an account name (a username such as realDonaldTrump, or "
                         "user@domain)")
    return text


REPLIES_CHOICES = ("include", "exclude")  # rules.REPLIES_CHOICES (a test checks they agree)


def _replies(value) -> str:
    text = _text(value).lower()
    if text not in REPLIES_CHOICES:
        raise ValueError("not include or exclude")
    return text


def _sha256(value) -> str | None:
    if value is None or value == "":
        return None
    text = _text(value).lower().removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValueError("not a sha256 (64 hexadecimal digits)")
    return text


def _optional_path(value) -> str | None:
    if value is None or value == "":
        return None
    return _text(value)


def _sources(value) -> list[str]:
    """A list from YAML; from Make a string: one existing file name as a whole (spaces, quotes
    and all), else names separated by spaces, quoted as in a shell when they hold spaces."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if isinstance(item, (dict, list, tuple)) or item is None or str(item).strip() == "":
                raise ValueError("each source must be a file name or URL")
            out.append(str(item).strip())
        return out
    if isinstance(value, dict):
        raise ValueError("a list of file names or URLs is needed, not a mapping")
    text = str(value)
    if text.strip() and Path(text).expanduser().is_file():
        return [text]
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as err:  # an unbalanced quote
        raise ValueError(f"cannot split into file names ({err}); put a name with spaces or "
                         "quotes in single quotes: SOURCE=\"'my posts.csv' b.jsonl\"") from None


@dataclass(frozen=True)
class Param:
    """One parameter: its name (notebooks, YAML), Make variable, type annotation in notebooks'
    parameter cells, default, what it accepts, meaning, and the check turning a raw value into a
    typed one."""

    name: str
    var: str
    type: str
    default: object
    accepts: str
    help: str
    check: Callable[[object], object]


PARAMETERS: tuple[Param, ...] = (
    Param("sources", "SOURCE", "list[str]", [],
          "existing files or http(s) URLs, separated by spaces; quote a name holding spaces "
          "(`'my posts.csv'`)",
          "archive files; several are captures of the same posts, merged; empty: the latest "
          "download in data/raw/ (or the pinned one)", _sources),
    Param("start", "START", "Optional[str]", None, "`YYYY-MM-DD`",
          "first day kept, in `tz` (empty: from the first post)", _date),
    Param("end", "END", "Optional[str]", None, "`YYYY-MM-DD`, not before `start`",
          "last day kept, inclusive (empty: to the last post)", _date),
    Param("tz", "DAY_TZ", "str", "America/New_York",
          "an IANA time zone name (`America/New_York`, `UTC`, `Europe/London`)",
          "time zone that decides a post's calendar day", _zone),
    Param("definition", "DEFINITION", "str", "both", ", ".join(DEFINITION_CHOICES),
          "definition of \"ratioed\": `both` (the story's) = replies > likes and > re-truths",
          _definition),
    Param("highlight_id", "HIGHLIGHT", "str", "114842356238631061",
          "a post id: digits, no leading zero", "the post the story is about", _post_id),
    Param("observations", "OBSERVATIONS", "Optional[str]", None,
          "an existing CSV file (empty: `data/raw/observations.csv`)",
          "reporters' readings of the post's counts", _optional_path),
    Param("trailing_window", "WINDOW", "str", "30D",
          "a whole number of days, hours, minutes or seconds: `30D`, `7D`, `12h`, `90min`",
          "baseline for \"how unusual\": the account's posts in this long before each post",
          _window),
    Param("declared_complete", "DECLARED_COMPLETE", "bool", False, "true or false (yes/no, 1/0)",
          "you declare a locally fetched copy is a whole published archive file, so archive-wide "
          "claims can be checked", _bool),
    Param("snapshot_sha256", "SNAPSHOT_SHA256", "Optional[str]", None,
          "64 hexadecimal digits (empty: no pin)",
          "pins the archive snapshot this set was written for: the build stops unless a source "
          "has this sha256; `make download` asks for exactly it", _sha256),
    Param("account", "ACCOUNT", "Optional[str]", None,
          "a username or `user@domain`, matched ignoring case on `acct` or `username`",
          "the account analysed, from a file holding several (the platform's API layout); "
          "empty: the only account there is (the archive's flat layouts: realDonaldTrump)",
          _account),
    Param("replies", "REPLIES", "str", "include", ", ".join(REPLIES_CHOICES),
          "replies to other accounts (kind `reply`, API layout): kept, or left out and counted",
          _replies),
)
BY_NAME = {p.name: p for p in PARAMETERS}
BY_VAR = {p.var: p for p in PARAMETERS}
PARAM_KEYS = [p.name for p in PARAMETERS]
PARAMS_VAR = "PARAMS"  # the Make variable naming the YAML set
MAKE_VARS = [PARAMS_VAR] + [p.var for p in PARAMETERS]


def defaults() -> dict:
    """Every parameter at its default (a fresh copy)."""
    return {p.name: (list(p.default) if isinstance(p.default, list) else p.default)
            for p in PARAMETERS}


# --------------------------------------------------------------------------- reading


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.PROJ_ROOT))
    except ValueError:
        return str(path)


def from_make(environ: Mapping[str, str] | None = None) -> tuple[str | None, dict[str, str]]:
    """The parameter file and overrides given as Make variables, read from the environment
    (the Makefile exports them unexpanded). Returns ``(params_file or None, {name: value})``;
    empty variables are left out (they mean "not set")."""
    env = os.environ if environ is None else environ
    overrides = {p.name: env[p.var] for p in PARAMETERS if env.get(p.var, "") != ""}
    return env.get(PARAMS_VAR) or None, overrides


def load_params(params_file: Path | str | None = None, overrides: Mapping[str, object] | None = None,
                sources: list[str] | None = None, check_files: bool = True) -> dict:
    """Validated parameters: the YAML set, then ``overrides`` (Make variables or ``--set``, by
    parameter name; ``""`` = not set), then ``sources`` (the command line's, taken as given).

    Relative paths in a YAML set are relative to the project root; given on the command line
    or in Make, to the current folder. A set's ``snapshot_sha256`` pins the set's own sources:
    sources given on the command line or in Make clear it unless a pin is given with them. Returns typed values (see :data:`PARAMETERS`); sources and
    observations are absolute paths (or URLs), checked to exist (unless ``check_files`` is
    false: ``make download`` needs only the pin). Raises :class:`ParameterError`
    or :class:`FileNotFound` (both :class:`InputError`).
    """
    path = Path(params_file) if params_file else paths.DEFAULT_PARAMS
    if not path.is_file():
        raise FileNotFound(path, PARAMS_VAR) if not path.is_dir() else \
            ParameterError(PARAMS_VAR, str(path), "a folder, not a parameter file")
    label = _display(path)
    raw = _read_yaml(path, label)
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise InputError(label, "a parameter file holds `name: value` lines",
                         hint=f"Make variable {PARAMS_VAR}")
    unknown = sorted(str(k) for k in raw if k not in BY_NAME)
    if unknown:
        raise InputError(label, f"unknown parameter(s) {', '.join(unknown)}; "
                                f"known: {', '.join(PARAM_KEYS)}", hint=f"Make variable {PARAMS_VAR}")
    params = defaults()
    origin = {name: f"{label}, field '{name}'" for name in raw}
    base = {name: paths.PROJ_ROOT for name in raw}  # where a relative path starts
    for name, value in raw.items():
        params[name] = _checked(BY_NAME[name], value, origin[name])
    for name, value in (overrides or {}).items():
        if name not in BY_NAME:
            raise InputError("--set", f"unknown parameter {name!r}; known: {', '.join(PARAM_KEYS)}")
        if value == "" or value is None:
            continue
        params[name] = _checked(BY_NAME[name], value, None)
        origin[name], base[name] = None, Path.cwd()
    if sources:
        params["sources"] = [str(s) for s in sources]
        origin["sources"], base["sources"] = None, Path.cwd()
    if origin.get("sources", "") is None and origin.get("snapshot_sha256", "") is not None:
        # the set's pin belongs to the set's sources: other sources (SOURCE=...) clear it,
        # unless a pin is given with them (SNAPSHOT_SHA256=...)
        params["snapshot_sha256"] = None
    if params["start"] and params["end"] and params["start"] > params["end"]:
        raise ParameterError("END", params["end"], f"before START={params['start']!r}",
                             origin=origin.get("end"), choices="a day on or after START")
    if not check_files:
        return params
    params["sources"] = [_existing(s, "SOURCE", origin.get("sources"), base.get("sources"))
                         for s in params["sources"]]
    if params["observations"]:
        params["observations"] = _existing(params["observations"], "OBSERVATIONS",
                                           origin.get("observations"), base.get("observations"))
    return params


def _checked(param: Param, value, origin: str | None):
    try:
        return param.check(value)
    except ValueError as err:
        shown = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        raise ParameterError(param.var, shown, str(err), origin=origin,
                             choices=param.accepts.replace("`", "")) from None


def _is_url(src: str) -> bool:
    return src.startswith(("http://", "https://"))


def _existing(src: str, var: str, origin: str | None, base: Path | None) -> str:
    """An absolute path to an existing file (URLs returned as they are)."""
    if _is_url(src):
        return src
    if "://" in src:
        raise ParameterError(var, src, "only http:// and https:// URLs can be downloaded",
                             origin=origin, choices="an existing file or an http(s) URL")
    path = Path(src).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    if not path.exists():
        raise FileNotFound(src, var, origin)
    if not path.is_file():
        raise ParameterError(var, src, "a folder, not a file" if path.is_dir() else
                             "not a regular file", origin=origin, choices="an existing file")
    return str(path.resolve())


# --------------------------------------------------------------------------- sources


def resolve_sources(params: dict, download_missing: bool = True) -> dict:
    """Replace URLs by downloaded snapshots (with the pin as pooch's known hash) and fill in the
    snapshot when no source is given: the newest in ``data/raw/`` with the pinned sha256 when the
    set pins one, else the newest; downloads one when there is none."""
    from .download import download

    pin = params.get("snapshot_sha256")
    resolved = []
    for src in params["sources"]:
        resolved.append(str(download(src, known_hash=pin)) if _is_url(src) else src)
    if not resolved:
        found = _default_snapshot(pin)
        if found is None:
            print("no snapshot of the archive in data/raw/: downloading one", file=sys.stderr)
            found = download()
        resolved = [str(found)]
    observations = params.get("observations") or str(paths.OBSERVATIONS_CSV)
    if not Path(observations).is_file():
        raise FileNotFound(_display(Path(observations)), "OBSERVATIONS")
    return {**params, "sources": resolved, "observations": params.get("observations")}


def _default_snapshot(pin: str | None) -> Path | None:
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


def _read_yaml(path: Path, label: str):
    """A parameter file's YAML, parsed; remembered in ``build/params-cache.json`` by path, size,
    modification and change time, so a no-op build's pre-flight does not import and run the YAML
    parser (about 40 ms of its 0.1 s). Any change to the file parses it again."""
    st = path.stat()
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}"
    cache_file = paths.BUILD_DIR / "params-cache.json"
    try:
        cached = json.loads(cache_file.read_text())
        if cached.get("key") == key:
            return cached["value"]
    except (OSError, ValueError, AttributeError):
        pass
    import yaml

    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise InputError(label, f"not valid YAML: {' '.join(str(err).split())}",
                         hint=f"Make variable {PARAMS_VAR}") from None
    try:
        from .files import write_text_atomic

        paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
        write_text_atomic(cache_file, json.dumps({"key": key, "value": value}, default=str))
    except (OSError, TypeError, ValueError):
        pass  # a value JSON cannot hold (a YAML date): parse again next time
    return value


def _hash_cache_path() -> Path:
    return paths.BUILD_DIR / "sha256-cache.json"


class HashCache:
    """sha256 of files, remembered by (path, size, mtime_ns, ctime_ns, inode): a file rewritten
    in any way changes its ctime (which no tool can set back), so it is always re-hashed."""

    def __init__(self, path: Path | None = None):
        self.path = path or _hash_cache_path()
        try:
            self.entries = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.entries = {}
        self.changed = False
        self.hashed: list[str] = []  # files actually read this time (for tests and timing)

    def sha256(self, file: Path | str) -> str:
        from .files import sha256_file

        file = Path(file).resolve()
        st = file.stat()
        key = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        entry = self.entries.get(str(file))
        if entry and entry[:4] == key:
            return entry[4]
        digest = sha256_file(file)
        self.hashed.append(str(file))
        self.entries[str(file)] = key + [digest]
        self.changed = True
        return digest

    def save(self) -> None:
        from .files import write_text_atomic

        if self.changed:
            write_text_atomic(self.path, json.dumps(self.entries, indent=0, sort_keys=True) + "\n")
            self.changed = False


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
            if _is_url(src):
                continue
            path = Path(src)
            digest = hashes[src] = cache.sha256(path)
            try:
                record = read_sidecar(path)
                if record is None:
                    continue
                expected = record["sha256"]
            except (OSError, ValueError, KeyError, TypeError):
                raise InputError(_display(sidecar(path)), "provenance record unreadable or has no "
                                 "'sha256'", hint="restore it from the download, or run "
                                 "`make download` for a fresh snapshot") from None
            if digest != expected:
                raise InputError(
                    _display(path),
                    f"sha256 is {digest} but its provenance record says {expected}: the file "
                    "changed after it was downloaded",
                    hint="restore the original file, or run `make download` for a fresh "
                         "verified snapshot and remove this one")
        pin = params.get("snapshot_sha256")
        local = {s: h for s, h in hashes.items()}
        if pin and local and pin not in local.values():
            found = "; ".join(f"{_display(Path(s))} has {h}" for s, h in local.items())
            raise ParameterError(
                "SNAPSHOT_SHA256", pin, f"the parameter set pins this snapshot, but {found}",
                choices="give the pinned file with SOURCE=, run `make download` to fetch it, "
                        "or clear the pin (SNAPSHOT_SHA256= in the set) to analyse another")
    finally:
        cache.save()
    return hashes


def prepare(params_file=None, overrides=None, sources=None) -> dict:
    """Everything a build checks before starting a kernel: validate, resolve, verify."""
    params = resolve_sources(load_params(params_file, overrides, sources))
    verify_sources(params)
    return params


def default_sources(sources: list[str] | None = None) -> list[str]:
    """``sources`` when given, else the default parameter set's, resolved and verified as a
    build would (no download: offline, a set with no snapshot yet raises). Lets a notebook run
    top to bottom in Jupyter with its defaults, on the same input ``make report`` uses."""
    if sources:
        return list(sources)
    params = load_params(paths.DEFAULT_PARAMS)
    if not params["sources"] and _default_snapshot(params.get("snapshot_sha256")) is None:
        raise InputError(paths.DEFAULT_PARAMS, "no source given and no snapshot in data/raw/",
                         hint="run `make download`, or set `sources` in the notebook")
    params = resolve_sources(params, download_missing=False)
    verify_sources(params)
    return params["sources"]


# --------------------------------------------------------------------------- pre-flight


def check_stamp(stamp: Path, environ: Mapping[str, str] | None = None) -> bool:
    """The build's pre-flight (``make report`` runs it every time; no network, no kernel):
    validate the Make variables, verify the snapshots, and write ``stamp`` with the content
    hashes of every input the parameters name. The stamp is rewritten only when one changed,
    so Make rebuilds the report only then. A URL, or no snapshot yet, always changes it (the
    build downloads). Returns whether the stamp changed."""
    from .files import write_text_atomic

    params_file, overrides = from_make(environ)
    params = load_params(params_file, overrides)
    cache = HashCache()
    pin = params["snapshot_sha256"]
    sources = list(params["sources"])
    if not sources:
        found = _default_snapshot(pin)
        sources = [str(found)] if found else []
    verify_sources({**params, "sources": sources}, cache)
    always = not sources or any(_is_url(s) for s in sources)
    observations = params["observations"] or str(paths.OBSERVATIONS_CSV)
    if not Path(observations).is_file():
        raise FileNotFound(_display(Path(observations)), "OBSERVATIONS")
    params_path = Path(params_file) if params_file else paths.DEFAULT_PARAMS
    record = {
        "parameters": params,
        "parameter_file": [str(params_path.resolve()), _sha(params_path.read_bytes())],
        "inputs": {s: (s if _is_url(s) else cache.sha256(s)) for s in sources + [observations]},
        "always": time.time_ns() if always else None,
    }
    cache.save()
    return write_text_atomic(stamp, json.dumps(record, indent=1, sort_keys=True) + "\n")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- documentation


def markdown_table() -> str:
    """The README's parameter table, generated from :data:`PARAMETERS`."""
    rows = ["| Make variable | parameter | type | default | accepts | meaning |",
            "| --- | --- | --- | --- | --- | --- |"]
    for p in PARAMETERS:
        default = "empty" if p.default in (None, []) else f"`{str(p.default).lower() if isinstance(p.default, bool) else p.default}`"
        rows.append(f"| `{p.var}` | `{p.name}` | `{p.type.replace('|', '&#124;')}` | {default} | "
                    f"{p.accepts} | {p.help} |")
    return "\n".join(rows) + "\n"


def parameter_cell(names: list[str]) -> str:
    """Typed lines for a notebook's ``parameters`` cell, from the model (paste, then edit the
    comments): ``definition: str = "both"  # definition of "ratioed": ...``."""
    def literal(value) -> str:  # double quotes, as the notebooks write strings
        return json.dumps(value) if isinstance(value, str) else repr(value)

    return "".join(f"{n}: {BY_NAME[n].type} = {literal(BY_NAME[n].default)}  # "
                   f"{BY_NAME[n].help.replace('`', '')}\n" for n in names)


def vars_help() -> str:
    """One line per Make variable, for ``make help``."""
    lines = [f"  {PARAMS_VAR:<18} named parameter set (YAML; default params/default.yaml)"]
    for p in PARAMETERS:
        lines.append(f"  {p.var:<18} {p.name}: {p.accepts.replace('`', '')}")
    return "Parameters (make report VAR=value):\n" + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m ratioed.params check --stamp FILE | vars | markdown`` (see module docs)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ratioed.params",
                                     description="the build's parameter pre-flight")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="validate the Make variables in the environment, verify "
                                     "snapshots, update the stamp when an input changed")
    p.add_argument("--stamp", default=str(paths.BUILD_DIR / "inputs.stamp"))
    sub.add_parser("vars", help="list the Make variables")
    sub.add_parser("markdown", help="print the README's parameter table")
    p = sub.add_parser("cell", help="print typed parameter-cell lines for these parameters")
    p.add_argument("names", nargs="+", choices=PARAM_KEYS)
    args = parser.parse_args(argv)
    if args.command == "vars":
        sys.stdout.write(vars_help())
        return 0
    if args.command == "markdown":
        sys.stdout.write(markdown_table())
        return 0
    if args.command == "cell":
        sys.stdout.write(parameter_cell(args.names))
        return 0
    try:
        check_stamp(Path(args.stamp))
    except InputError as err:
        print(f"make report: input error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
