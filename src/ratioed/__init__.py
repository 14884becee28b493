"""ratioed: reproduce the 'ratioed' Truth Social story from the public archive of posts.

The loading API is imported lazily (PEP 562), so commands that only check staleness -- a no-op
``make report`` -- do not pay for pandas and Arrow.
"""

__version__ = "0.1.0"
__all__ = ["Archive", "InputError", "load_archive", "load_posts", "__version__"]


def __getattr__(name):
    if name == "InputError":
        from .errors import InputError

        return InputError
    if name in ("Archive", "load_archive", "load_posts"):
        from .inputs import load
        return getattr(load, name)
    raise AttributeError(f"module 'ratioed' has no attribute {name!r}")
