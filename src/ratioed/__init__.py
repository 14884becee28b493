"""ratioed: reproduce the 'ratioed' Truth Social story from the public archive of posts.

The loading API is imported lazily (PEP 562), so commands that only check staleness -- a no-op
``make report`` -- do not pay for pandas and Arrow. The version is written once, in ``pyproject.toml``; ``__version__``
reads it from the installed package's metadata (``ratioed --version`` prints it).
"""

__all__ = ["Archive", "InputError", "load_archive", "load_posts", "__version__"]


def __getattr__(name):
    if name == "__version__":  # one place: pyproject.toml, read from the installed metadata
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("ratioed")
        except PackageNotFoundError:  # a source tree on sys.path, never installed
            return "0+unknown"
    if name == "InputError":
        from .errors import InputError

        return InputError
    if name in ("Archive", "load_archive", "load_posts"):
        from .inputs import load
        return getattr(load, name)
    raise AttributeError(f"module 'ratioed' has no attribute {name!r}")
