"""ratioed: reproduce the 'ratioed' Truth Social story from the public archive of posts."""

from .errors import InputError

__version__ = "0.1.0"
__all__ = ["Archive", "InputError", "load_archive", "load_posts", "__version__"]


def __getattr__(name: str):
    """Load the loader (pandas, Arrow) on first use, so `python -m ratioed.params` (the build's
    pre-flight) and `import ratioed.paths` stay fast."""
    if name in ("Archive", "load_archive", "load_posts"):
        from . import load

        return getattr(load, name)
    raise AttributeError(f"module 'ratioed' has no attribute {name!r}")
