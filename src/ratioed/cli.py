"""Command line: ``ratioed <command>`` or ``python -m ratioed <command>``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import InputError, printable
from .inputs.files import is_url


def _local_sources(sources: list[str]) -> list[str]:
    """Sources as local paths: URLs are downloaded first (a dated snapshot in data/raw/)."""
    if not any(is_url(s) for s in sources):
        return sources
    from .inputs.download import download

    return [str(download(s)) if is_url(s) else s for s in sources]


def _check_out(out: str, sources: list[str]) -> Path:
    """Where ``load --out`` may write: not onto an input (same path or same file), not into
    data/raw/, and into a folder that exists."""
    try:
        return _checked_out(out, sources)
    except RuntimeError:  # pathlib's "Symlink loop from ..." (Python 3.11, 3.12)
        raise InputError(out, "--out: a symbolic link loop", hint="choose another path") from None
    except OSError as err:  # ELOOP (Python 3.13), a name too long, no permission
        raise InputError(out, f"--out cannot be used: {err.strerror or type(err).__name__}",
                         hint="choose another path") from None


def _checked_out(out: str, sources: list[str]) -> Path:
    from . import paths
    target = Path(out).expanduser()
    resolved = target.resolve()
    if target.is_dir():
        raise InputError(out, "--out is a folder: give a file name such as posts.parquet")
    if not resolved.parent.is_dir():
        raise InputError(out, f"--out: the folder {resolved.parent} does not exist",
                         hint="create it first, or choose another path")
    raw = paths.RAW_DIR.resolve()
    if resolved == raw or raw in resolved.parents:
        raise InputError(out, f"--out would write into {paths.RAW_DIR}, where raw data is "
                              "never modified", hint="write derived files elsewhere")
    for src in sources:
        s = Path(src).expanduser()
        same = s.resolve() == resolved
        if not same and target.exists() and s.exists():
            same = os.path.samefile(s, target)
        if same:
            raise InputError(out, f"--out would overwrite the input {src}",
                             hint="choose another output file")
    return target


def _cmd_load(args) -> int:
    from .inputs.load import load_archive
    from .inputs.rules import split_analysable

    sources = _local_sources(args.sources)
    out = _check_out(args.out, sources) if args.out else None
    archive = load_archive(sources, ordered_by=args.order)
    print(archive.summary())
    kept, excluded = split_analysable(archive.posts)
    reasons = excluded["reason"].value_counts()
    print(f"analysis keeps {len(kept):,} posts; excludes {len(excluded):,}"
          + "".join(f"; {n:,}: {r}" for r, n in reasons.items()))
    if out is not None:
        from .inputs.files import write_parquet_atomic

        try:
            write_parquet_atomic(archive.posts, out)
        except OSError as err:
            raise InputError(args.out, f"--out cannot be written: {err.strerror or err}") from None
        print(f"wrote {printable(args.out)}")
    return 0


def _cmd_flag(args) -> int:
    from .scale.engines import flag, print_csv

    result = flag(args.path, args.engine, args.definition, scheduler=args.scheduler,
                  log=sys.stderr, account=args.account)
    print_csv(result)
    print(result.summary(), file=sys.stderr)
    return 0


def _cmd_download(args) -> int:
    from .inputs.download import download
    from .pipeline.params import from_make, load_params

    pin = None
    if args.make_vars or args.params:  # the set's snapshot_sha256 becomes pooch's known hash
        params_file, overrides = from_make() if args.make_vars else (args.params, {})
        overrides = {k: v for k, v in overrides.items() if k == "snapshot_sha256"}
        chosen = load_params(args.params or params_file, overrides, check_files=False)
        # a set pins a download only when it analyses downloads (no local sources); the default
        # set pins its committed file, which no download can be
        local = [s for s in chosen["sources"] if not is_url(s)]
        pin = chosen["snapshot_sha256"] if not local or "snapshot_sha256" in overrides else None
    path = download(args.url, known_hash=pin)
    print(printable(path))
    return 0


def _overrides(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for kv in pairs or []:
        key, eq, value = kv.partition("=")
        if not eq:
            raise InputError("--set", f"{kv!r} is not KEY=VALUE")
        out[key.strip()] = value
    return out


def _cmd_status(args) -> int:
    from .pipeline.build import build_status
    from .pipeline.params import from_make

    params_file, overrides = from_make() if args.make_vars else (None, {})
    overrides.update(_overrides(args.set))
    print(build_status(sources=args.sources, params_file=args.params or params_file,
                       overrides=overrides, only=args.only))
    return 0


def _cmd_report(args) -> int:
    if args.dry_run:
        return _cmd_status(args)
    from .pipeline.build import build_report
    from .pipeline.execute import BuildError, NotebookInputError
    from .pipeline.params import from_make

    kept = "the last published report is unchanged"
    try:
        params_file, overrides = from_make() if args.make_vars else (None, {})
        overrides.update(_overrides(args.set))
        print(build_report(sources=args.sources, params_file=args.params or params_file,
                           overrides=overrides, only=args.only), file=sys.stderr)
    except NotebookInputError as err:
        print(f"make report: input error: {err}; {kept}", file=sys.stderr)
        return 2
    except InputError as err:
        print(f"make report: input error: {err}; {kept}", file=sys.stderr)
        return 2
    except BuildError as err:
        print(f"make report: failed: {err}; {kept}; the failed build's notebooks are in "
              "build/failed/build/state/executed/", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("make report: interrupted; the published outputs are whole (the previous set, "
              "or this build's if it had already been published)", file=sys.stderr)
        return 130
    return 0


def _version() -> str:
    from . import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    from .analysis.definitions import DEFINITIONS, STORY_DEFINITION
    from .paths import ARCHIVE_URL

    parser = argparse.ArgumentParser(
        prog="ratioed",
        description="Reproduce the 'ratioed' Truth Social story: load the archive, flag "
                    "ratioed posts, build the report.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    order_help = ("how to decide which capture is latest: auto (capture times when every "
                  "source has one, else source order), order (last source = latest), time")

    p = sub.add_parser("load", help="validate and summarise sources (paths, or URLs: downloaded first)")
    p.add_argument("sources", nargs="+")
    p.add_argument("--order", choices=["auto", "order", "time"], default="auto", help=order_help)
    p.add_argument("--out", help="write the merged posts to this Parquet file (never onto an input or into data/raw/)")
    p.set_defaults(func=_cmd_load)

    p = sub.add_parser(
        "flag", help="print the ratioed posts of Parquet parts as CSV (pandas, DuckDB or Dask)",
        description="Print the posts ratioed under --definition as CSV on stdout (id, created_at "
                    "in UTC, replies, retruths, likes, reply_like_ratio, reply_retruth_ratio; "
                    "newest first, then id). On stderr: what was read and the posts ratioed "
                    "under every definition. Every engine prints the same rows and totals.")
    p.add_argument("path", nargs="+",
                   help="Parquet file, folder of parts or glob; local or s3:// / gs:// (with "
                        "s3fs / gcsfs installed). The parts are one table: each post once "
                        "(merge captures with `ratioed load SRC... --out merged.parquet`)")
    p.add_argument("--definition", choices=list(DEFINITIONS), default=STORY_DEFINITION,
                   help="; ".join(f"{k}: {v}" for k, v in DEFINITIONS.items()))
    p.add_argument("--engine", choices=["pandas", "duckdb", "dask"], default="pandas",
                   help="pandas: this process, part by part; duckdb: streamed SQL (one large "
                        "machine); dask: a dask.distributed cluster, one partition per part")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="dask: join this scheduler (tcp://host:8786); default: start a "
                        "LocalCluster with one worker process per core, closed at the end")
    p.add_argument("--account", metavar="NAME",
                   help="the account to flag (acct or username, any case), from parts with an "
                        "`account` column or the platform's API dumps (JSON pages or JSON Lines, "
                        "pandas engine); needed when the input holds several accounts")
    p.set_defaults(func=_cmd_flag)

    p = sub.add_parser("download", help="download a dated snapshot of the archive (network)")
    p.add_argument("url", nargs="?", default=ARCHIVE_URL)
    p.add_argument("--params", help="parameter set whose snapshot_sha256 pin the download must "
                                    "match")
    p.add_argument("--make-vars", action="store_true",
                   help="read PARAMS and SNAPSHOT_SHA256 from the environment (as `make` sets)")
    p.set_defaults(func=_cmd_download)

    p = sub.add_parser("report", help="run the notebooks and build reports/index.html")
    p.add_argument("sources", nargs="*", help="default: the latest download in data/raw/")
    p.add_argument("--params", help="named parameter set (YAML); default params/default.yaml")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter")
    p.add_argument("--only", nargs="*", help="run only these notebooks (and export)")
    p.add_argument("--make-vars", action="store_true",
                   help="read the parameters from the Make variables in the environment "
                        "(PARAMS, SOURCE, START, ...: `python -m ratioed.pipeline.params vars`)")
    p.add_argument("--dry-run", action="store_true",
                   help="say which notebooks would re-run and why, and whether the page would "
                        "be exported, without running anything (as `ratioed status`)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("status", help="what `make report` would re-run and why, without running "
                                      "it (no kernel starts)")
    p.add_argument("sources", nargs="*", help="default: the parameter set's")
    p.add_argument("--params", help="named parameter set (YAML); default params/default.yaml")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter")
    p.add_argument("--only", nargs="*", help="as `report --only`")
    p.add_argument("--make-vars", action="store_true",
                   help="read the parameters from the Make variables in the environment")
    p.set_defaults(func=_cmd_status)
    return parser


def _refuse_undecodable(args: argparse.Namespace) -> None:
    """A file name on the command line that is not UTF-8 (Python holds its bytes as surrogate
    escapes) cannot be passed on to Arrow, DuckDB or the notebooks: one line naming it."""
    for value in vars(args).values():  # per-row: a few arguments
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise InputError(item, "the file name is not UTF-8 text, which the readers "
                                           "cannot open", hint="rename the file, or link to it "
                                           "with a UTF-8 name (ln -s)") from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _refuse_undecodable(args)
        code = args.func(args)
        sys.stdout.flush()  # inside the try: a closed pipe is reported here, not at exit
        return code
    except InputError as err:
        print(f"ratioed: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `ratioed load x | head -1`: the reader left; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's exit flush must not fail again
        return 0
    except OSError as err:  # a file the command could not use: one line naming it, escaped
        if err.filename is None:
            raise
        print(f"ratioed: error: {printable(err.filename)}: {err.strerror or type(err).__name__}",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
