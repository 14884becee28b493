"""ratioed: reproduce the 'ratioed' Truth Social story from the public archive of posts."""

from .errors import InputError
from .load import Archive, load_archive, load_posts

__version__ = "0.1.0"
__all__ = ["Archive", "InputError", "load_archive", "load_posts", "__version__"]
