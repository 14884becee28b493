"""Command line: ``ratioed <command>`` or ``python -m ratioed <command>``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import InputError


def _local_sources(sources: list[str]) -> list[str]:
    """Sources as local paths: URLs are downloaded first (a dated snapshot in data/raw/)."""
    if not any(s.startswith(("http://", "https://")) for s in sources):
        return sources
    from .download import download

    return [str(download(s)) if s.startswith(("http://", "https://")) else s for s in sources]


def _check_out(out: str, sources: list[str]) -> Path:
    """Where ``load --out`` may write: not onto an input (same path or same file), not into
    data/raw/, and into a folder that exists."""
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
    from .load import load_archive
    from .rules import split_analysable

    sources = _local_sources(args.sources)
    out = _check_out(args.out, sources) if args.out else None
    archive = load_archive(sources, ordered_by=args.order)
    print(archive.summary())
    kept, excluded = split_analysable(archive.posts)
    print(f"analysis keeps {len(kept):,} posts; excludes {len(excluded):,} "
          "(re-truths of other accounts, all counts 0)")
    if out is not None:
        from .files import write_parquet_atomic

        try:
            write_parquet_atomic(archive.posts, out)
        except OSError as err:
            raise InputError(args.out, f"--out cannot be written: {err.strerror or err}") from None
        print(f"wrote {args.out}")
    return 0


def _cmd_flag(args) -> int:
    from .load import load_posts
    from .ratios import add_ratios, is_ratioed
    from .rules import split_analysable

    kept, _ = split_analysable(load_posts(_local_sources(args.sources), ordered_by=args.order))
    flagged = add_ratios(kept).loc[is_ratioed(kept, args.definition)]
    cols = ["id", "created_at", "replies", "retruths", "likes", "reply_like_ratio",
            "reply_retruth_ratio"]
    flagged[cols].to_csv(sys.stdout, index=False)
    print(f"{len(flagged):,} of {len(kept):,} posts ratioed ({args.definition})", file=sys.stderr)
    return 0


def _cmd_download(args) -> int:
    from .download import download

    path = download(args.url)
    print(path)
    return 0


def _cmd_report(args) -> int:
    from .build import build_report

    overrides = dict(kv.split("=", 1) for kv in args.set or [])
    return build_report(sources=args.sources, params_file=args.params, overrides=overrides,
                        only=args.only)


def build_parser() -> argparse.ArgumentParser:
    from .paths import ARCHIVE_URL
    from .ratios import DEFINITIONS, STORY_DEFINITION

    parser = argparse.ArgumentParser(
        prog="ratioed",
        description="Reproduce the 'ratioed' Truth Social story: load the archive, flag "
                    "ratioed posts, build the report.")
    sub = parser.add_subparsers(dest="command", required=True)
    order_help = ("how to decide which capture is latest: auto (capture times when every "
                  "source has one, else source order), order (last source = latest), time")

    p = sub.add_parser("load", help="validate and summarise sources (paths, or URLs: downloaded first)")
    p.add_argument("sources", nargs="+")
    p.add_argument("--order", choices=["auto", "order", "time"], default="auto", help=order_help)
    p.add_argument("--out", help="write the merged posts to this Parquet file (never onto an input or into data/raw/)")
    p.set_defaults(func=_cmd_load)

    p = sub.add_parser("flag", help="print the ratioed posts as CSV")
    p.add_argument("sources", nargs="+")
    p.add_argument("--definition", choices=list(DEFINITIONS), default=STORY_DEFINITION,
                   help="; ".join(f"{k}: {v}" for k, v in DEFINITIONS.items()))
    p.add_argument("--order", choices=["auto", "order", "time"], default="auto", help=order_help)
    p.set_defaults(func=_cmd_flag)

    p = sub.add_parser("download", help="download a dated snapshot of the archive (network)")
    p.add_argument("url", nargs="?", default=ARCHIVE_URL)
    p.set_defaults(func=_cmd_download)

    p = sub.add_parser("report", help="run the notebooks and build reports/index.html")
    p.add_argument("sources", nargs="*", help="default: the latest download in data/raw/")
    p.add_argument("--params", help="named parameter set (YAML); default params/default.yaml")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter")
    p.add_argument("--only", nargs="*", help="run only these notebooks (and export)")
    p.set_defaults(func=_cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
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


if __name__ == "__main__":
    sys.exit(main())
