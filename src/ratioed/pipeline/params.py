"""The parameter model: one table (:data:`PARAMETERS`) from which everything else is checked.

A build's parameters come from a named YAML set (``params/default.yaml`` unless ``PARAMS``
names another), overridden by any Make variable given (an empty one means "not set"), or by
``ratioed report --set name=value`` and the command line's sources. Every value is validated
here (each parameter's check is in :mod:`ratioed.inputs.checks`), in milliseconds and before any
notebook or kernel starts (this module imports neither pandas nor Jupyter), and each error is
one line naming the Make variable, the value and what is accepted::

    DEFINITION='most': not a definition of "ratioed"; choices: both, either, likes, retruths
    file not found: my posts.csv (Make variable SOURCE)

Make passes its variables in the environment, never pasted into a shell line
(:func:`from_make`), so a file name is only ever a file name. Sources are then resolved and
verified against their provenance records and the set's pin (:mod:`ratioed.inputs.snapshots`).

``python -m ratioed.pipeline.params check --stamp build/inputs.stamp`` is the build's cheap pre-flight:
it validates, verifies and rewrites the stamp only when an input's content changed (Make then
rebuilds the report); ``vars`` and ``markdown`` print the table for ``make help`` and the README; ``cell NAME...``
prints typed lines for a notebook's parameters cell.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import paths, story
from ..analysis.definitions import DEFINITIONS
from ..errors import FileNotFound, InputError, ParameterError
from ..inputs.checks import (
    REPLIES_CHOICES,
    as_account,
    as_bool,
    as_choice,
    as_date,
    as_optional_path,
    as_post_id,
    as_replies,
    as_sha256,
    as_sources,
    as_window,
    as_zone,
)
from ..inputs.files import is_url
from ..inputs.snapshots import (
    display_path,
    resolve_sources,
    verify_sources,
    write_stamp,
)


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
          "download in data/raw/ (or the pinned one)", as_sources),
    Param("start", "START", "Optional[str]", None, "`YYYY-MM-DD`",
          "first day kept, in `tz` (empty: from the first post)", as_date),
    Param("end", "END", "Optional[str]", None, "`YYYY-MM-DD`, not before `start`",
          "last day kept, inclusive (empty: to the last post)", as_date),
    Param("tz", "DAY_TZ", "str", "America/New_York",
          "an IANA time zone name (`America/New_York`, `UTC`, `Europe/London`)",
          "time zone that decides a post's calendar day", as_zone),
    Param("definition", "DEFINITION", "str", story.DEFINITION, ", ".join(DEFINITIONS),
          "definition of \"ratioed\": `both` (the story's) = replies > likes and > re-truths",
          lambda v: as_choice(v, DEFINITIONS, 'not a definition of "ratioed"')),
    Param("highlight_id", "HIGHLIGHT", "str", story.HIGHLIGHT_ID,
          "a post id: digits, no leading zero", "the post the story is about", as_post_id),
    Param("observations", "OBSERVATIONS", "Optional[str]", None,
          "an existing CSV file (empty: `data/raw/observations.csv`)",
          "reporters' readings of the post's counts", as_optional_path),
    Param("trailing_window", "WINDOW", "str", "30D",
          "a whole number of days, hours, minutes or seconds: `30D`, `7D`, `12h`, `90min`",
          "baseline for \"how unusual\": the account's posts in this long before each post",
          as_window),
    Param("declared_complete", "DECLARED_COMPLETE", "bool", False, "true or false (yes/no, 1/0)",
          "you declare a locally fetched copy is a whole published archive file, so archive-wide "
          "claims can be checked", as_bool),
    Param("snapshot_sha256", "SNAPSHOT_SHA256", "Optional[str]", None,
          "64 hexadecimal digits (empty: no pin)",
          "pins the archive snapshot this set was written for: the build stops unless a source "
          "has this sha256; `make download` asks for exactly it", as_sha256),
    Param("account", "ACCOUNT", "Optional[str]", None,
          "a username or `user@domain`, matched ignoring case on `acct` or `username`",
          "the account analysed, from a file holding several (the platform's API layout); "
          "empty: the only account there is (the archive's flat layouts: realDonaldTrump)",
          as_account),
    Param("replies", "REPLIES", "str", "include", ", ".join(REPLIES_CHOICES),
          "replies to other accounts (kind `reply`, API layout): kept, or left out and counted",
          as_replies),
    Param("context", "CONTEXT", "list[str]", [],
          "existing files, separated by spaces (any layout `SOURCE` reads; one account each)",
          "the same person on other platforms: a context table of each one's posts, date range "
          "and ratioed posts beside the claims, which it does not change (empty: none)",
          as_sources),
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
    _refuse_system_file(path, PARAMS_VAR, str(path), None)
    label = display_path(path)
    raw, digest, cached = _read_yaml(path, label)
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise InputError(label, "a parameter file holds `name: value` lines",
                         hint=f"Make variable {PARAMS_VAR}")
    unknown = [k for k in raw if k not in BY_NAME]
    if unknown:
        raise InputError(label, f"{_unknown_keys(unknown)}; known: {', '.join(PARAM_KEYS)}",
                         hint=f"Make variable {PARAMS_VAR}")
    params = defaults()
    origin = {name: f"{label}, field '{name}'" for name in raw}
    base = {name: paths.PROJ_ROOT for name in raw}  # where a relative path starts
    for name, value in raw.items():
        params[name] = _checked(BY_NAME[name], value, origin[name])
    if not cached:  # validated first: only a set that passes is remembered
        _remember(digest, raw)
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
    params["context"] = [_local(s, "CONTEXT", origin.get("context"), base.get("context"))
                         for s in params["context"]]
    if params["observations"]:
        params["observations"] = _existing(params["observations"], "OBSERVATIONS",
                                           origin.get("observations"), base.get("observations"))
    return params


def _unknown_keys(keys: list) -> str:
    """The unknown keys of a set, named only when they look like parameter names (a file that is
    not a parameter set at all must not be quoted)."""
    import re

    names = sorted({str(k) for k in keys if isinstance(k, str)
                    and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,39}", k)})
    others = len(keys) - len(names)
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    if others:
        shown += (" and " if shown else "") + f"{others} key(s) that are not names"
    return f"unknown parameter(s) {shown}"


def _refuse_system_file(path: Path, var: str, shown: str, origin: str | None) -> None:
    """Refuse the kernel's pseudo-files (``/proc/self/environ``, ``/dev/stdin``, ``/sys/...``):
    they are not data, and a message quoting one would print the environment."""
    try:
        top = path.resolve().parts[1:2]
    except (OSError, RuntimeError):
        top = ()
    if top and top[0] in ("proc", "sys", "dev"):
        raise ParameterError(var, shown, "not a regular file (a system pseudo-file)",
                             origin=origin, choices="an existing file")


def _checked(param: Param, value, origin: str | None):
    try:
        return param.check(value)
    except ValueError as err:
        shown = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        raise ParameterError(param.var, shown, str(err), origin=origin,
                             choices=param.accepts.replace("`", "")) from None


def _local(src: str, var: str, origin: str | None, base: Path | None) -> str:
    """An absolute path to an existing local file (a URL is refused: nothing downloads it)."""
    if "://" in src:
        raise ParameterError(var, src, "a local file is needed (download it first)",
                             origin=origin, choices="an existing file")
    return _existing(src, var, origin, base)


def _existing(src: str, var: str, origin: str | None, base: Path | None) -> str:
    """An absolute path to an existing file (URLs returned as they are)."""
    if is_url(src):
        return src
    if "://" in src:
        raise ParameterError(var, src, "only http:// and https:// URLs can be downloaded",
                             origin=origin, choices="an existing file or an http(s) URL")
    try:
        src.encode("utf-8")
    except UnicodeEncodeError:
        raise ParameterError(var, src, "the file name is not UTF-8 text, which the notebooks "
                                       "cannot pass on", origin=origin,
                             choices="rename the file (or link to it) with a UTF-8 name") from None
    path = Path(src).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    try:
        if not path.exists():
            raise FileNotFound(src, var, origin)
        if not path.is_file():
            raise ParameterError(var, src, "a folder, not a file" if path.is_dir() else
                                 "not a regular file", origin=origin, choices="an existing file")
        _refuse_system_file(path, var, src, origin)
        return str(path.resolve())
    except (OSError, RuntimeError) as err:  # a symbolic link loop, a name too long
        problem = "a symbolic link loop" if isinstance(err, RuntimeError) else \
            f"cannot be used ({err.strerror or type(err).__name__})"
        raise ParameterError(var, src, problem, origin=origin,
                             choices="an existing file") from None


MAX_PARAMS_BYTES = 1 << 20  # a parameter set is a few lines; anything this large is not one
_CACHE_VERSION = 2


def _read_yaml(path: Path, label: str) -> tuple[object, str, bool]:
    """A parameter file's YAML, parsed strictly (:func:`_parse_yaml`: no anchors, aliases, merge
    keys or repeated keys). Returns ``(value, sha256 of the file's bytes, from_cache)``.

    ``build/params-cache.json`` remembers the last *validated* set (:func:`_remember`) by the
    sha256 of its bytes, so a no-op build's pre-flight does not import and run the YAML parser
    (about 20 ms of its 0.06 s); hashing the few bytes of a set costs microseconds. The cache is
    a hint: it is used only for the very same bytes and when its entry is whole (its own
    checksum agrees), and whatever it holds goes through the same validation as a parsed file.
    """
    import hashlib

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_PARAMS_BYTES + 1)
    except OSError as err:
        raise InputError(label, f"cannot be read ({err.strerror or type(err).__name__})",
                         hint=f"Make variable {PARAMS_VAR}") from None
    if len(data) > MAX_PARAMS_BYTES:
        raise InputError(label, f"too large for a parameter file (over {MAX_PARAMS_BYTES:,} "
                                "bytes): a parameter set is a few `name: value` lines",
                         hint=f"Make variable {PARAMS_VAR}")
    digest = hashlib.sha256(data).hexdigest()
    try:
        cached = json.loads((paths.BUILD_DIR / "params-cache.json").read_text(encoding="utf-8"))
        if cached.get("version") == _CACHE_VERSION and cached.get("sha256") == digest \
                and cached.get("check") == _cache_check(digest, cached["value"]):
            return cached["value"], digest, True
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        pass
    return _parse_yaml(data, label), digest, False


def _cache_check(digest: str, value) -> str:
    import hashlib

    body = json.dumps([_CACHE_VERSION, digest, value], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def _remember(digest: str, value) -> None:
    """Cache a validated set's parsed value under the sha256 of its bytes (best effort)."""
    try:
        from ..inputs.files import write_text_atomic

        entry = {"version": _CACHE_VERSION, "sha256": digest, "value": value,
                 "check": _cache_check(digest, value)}
        paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
        write_text_atomic(paths.BUILD_DIR / "params-cache.json", json.dumps(entry))
    except (OSError, TypeError, ValueError):
        pass  # a value JSON cannot hold (a YAML date): parse again next time


def _parse_yaml(data: bytes, label: str):
    """The YAML document in ``data``, refusing what a parameter file has no use for and a hostile
    one abuses: anchors and aliases (a "billion laughs" bomb expands to gigabytes), merge keys and
    repeated keys (the last one would win silently). Errors are one line naming the line, never
    quoting the file (it may be any file: ``PARAMS=/proc/self/environ``)."""
    import yaml

    where = {"hint": f"Make variable {PARAMS_VAR}"}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(label, f"not UTF-8 text (byte {err.start + 1})", **where) from None
    try:
        return yaml.load(text, Loader=_strict_loader())  # noqa: S506 - SafeLoader, stricter
    except _Refused as err:
        raise InputError(label, err.problem, where=f"line {err.line}", field=err.key,
                         **where) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = " ".join(str(err.problem or err.context or "syntax error").split())[:120]
        raise InputError(label, f"not valid YAML: {problem}",
                         where=f"line {mark.line + 1}, column {mark.column + 1}" if mark else None,
                         **where) from None
    except yaml.YAMLError as err:  # a reader error: a character YAML does not allow
        problem = getattr(err, "reason", None) or "not YAML text"
        position = getattr(err, "position", None)
        at = f" at character {position + 1}" if isinstance(position, int) else ""
        raise InputError(label, f"not valid YAML: {problem}{at}", **where) from None


class _Refused(Exception):
    def __init__(self, line: int, problem: str, key: str | None = None):
        super().__init__(problem)
        self.line, self.problem, self.key = line, problem, key


def _strict_loader():
    import yaml

    class StrictLoader(yaml.SafeLoader):
        """yaml's SafeLoader refusing anchors, aliases, merge keys and repeated keys, before any
        node is composed from them (nothing is ever expanded)."""

        def compose_node(self, parent, index):
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _Refused(event.start_mark.line + 1,
                               "YAML anchors and aliases (&name, *name) are not accepted in a "
                               "parameter file: write each value out")
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                first: dict = {}
                for key_node, _ in node.value:
                    line = key_node.start_mark.line + 1
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        raise _Refused(line, "YAML merge keys (<<) are not accepted in a "
                                             "parameter file: write each value out")
                    key = self.construct_object(key_node, deep=True)
                    try:
                        if key in first:
                            raise _Refused(line, f"repeated key (first on line {first[key]}): "
                                                 "give each parameter once",
                                           key=str(key)[:60])
                        first[key] = line
                    except TypeError:  # an unhashable key: yaml's own error follows
                        pass
            return super().construct_mapping(node, deep=deep)

    return StrictLoader




# --------------------------------------------------------------------------- sources, verified


def prepare(params_file=None, overrides=None, sources=None) -> dict:
    """Everything a build checks before starting a kernel: validate, resolve, verify."""
    params = resolve_sources(load_params(params_file, overrides, sources))
    verify_sources(params)
    return params


# --------------------------------------------------------------------------- pre-flight


def check_stamp(stamp: Path, environ: Mapping[str, str] | None = None) -> bool:
    """The build's pre-flight (``make report`` runs it every time; no network, no kernel):
    validate the Make variables, verify the snapshots, and write ``stamp`` with the content
    hashes of every input the parameters name (:func:`ratioed.inputs.snapshots.write_stamp`). The stamp
    is rewritten only when one changed, so Make rebuilds the report only then. A URL, or no
    snapshot yet, always changes it (the build downloads). Returns whether the stamp changed."""
    params_file, overrides = from_make(environ)
    params = load_params(params_file, overrides)
    return write_stamp(stamp, params, Path(params_file) if params_file else paths.DEFAULT_PARAMS)


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
    """``python -m ratioed.pipeline.params check --stamp FILE | vars | markdown`` (see module docs)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ratioed.pipeline.params",
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
