"""The definitions of "ratioed", as data: what every engine (numpy, DuckDB, Dask) and the
parameter check read. Imports only :mod:`ratioed.story` (plain values), so a parameter check or
``--help`` costs no pandas.

All comparisons are strict (ties are not ratioed) and a comparison against a count of 0 never
holds, so a post with 0 likes and 0 re-truths is not ratioed however many replies it has.
"""

from ..story import DEFINITION as STORY_DEFINITION  # noqa: F401 -- the story's, named here too

DEFINITIONS = {
    "both": "replies > likes and replies > re-truths",
    "either": "replies > likes or replies > re-truths",
    "likes": "replies > likes",
    "retruths": "replies > re-truths",
}

# The definitions, written once as data: which comparisons "replies > <count>" a definition
# uses, and how it combines them. A comparison with a count of 0 never holds. ratio_flags (numpy)
# and ratioed.scale.outofcore (SQL for DuckDB) are both generated from this.
RULES = {
    "both": ("and", ("likes", "retruths")),
    "either": ("or", ("likes", "retruths")),
    "likes": ("and", ("likes",)),
    "retruths": ("and", ("retruths",)),
}
