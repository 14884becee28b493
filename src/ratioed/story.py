"""The story's own facts, each in one place.

The story (Newsweek, July 2025): a Truth Social post by Donald Trump on 12 July 2025, defending
Attorney General Pam Bondi, drew more replies than likes and more replies than re-truths -- the
first time, it said, that he was "ratioed" on his own platform. Everything else in the package
is generic (any account, any platform, any definition); these values are what make it this
story. The reporter's reading of the post's counts is data, in ``data/raw/observations.csv``
(:data:`ratioed.paths.OBSERVATIONS_CSV`), and the story's claims are in ``data/claims.yaml``.

Plain values only (no pandas): the parameter checks import this module before any heavy library.
"""

from __future__ import annotations

ACCOUNT = "realDonaldTrump"  # the archive's one account; its flat layouts name no account
DEFINITION = "both"  # replies > likes and replies > re-truths (ratioed.analysis.definitions)
HIGHLIGHT_ID = "114842356238631061"  # the 12 July 2025 post (a string: 18-digit ids)
PLATFORM_START = "2022-02-01"  # UTC day of Truth Social's (and the account's) first posts
EVIDENCE = "data/raw/metrics_2025-07-11_2025-07-19.csv"  # the committed week, from the root
TITLE = "Was Trump \u201cratioed\u201d on his own platform? Checking the numbers"
COUNTS = ("replies", "retruths", "likes")  # the count columns, in the order the page names them


def is_story_account(account: str | None) -> bool:
    """Whether ``account`` (a handle, with or without ``@``, any case; None: the archive's
    flat layouts, which name none) is the story's."""
    return not account or account.lstrip("@").lower() == ACCOUNT.lower()
