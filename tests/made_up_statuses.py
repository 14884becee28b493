"""MADE-UP dumps of the platform's API layout for tests: no status here is real.

Truth Social's public API is Mastodon's: ``GET /api/v1/accounts/:id/statuses`` returns an array
of Status entities (``id``, ``created_at``, HTML ``content``, ``url``, ``replies_count``,
``reblogs_count``, ``favourites_count``, a nested ``account`` {``id``, ``username``, ``acct``},
``reblog`` -- the boosted Status or null --, ``media_attachments`` [{``url``, ``type``}],
``in_reply_to_id``, ``in_reply_to_account_id``, ``edited_at``, ``quotes_count``), as documented
for Mastodon's Status entity. The statuses below are invented to exercise every rule; the hand
computation of which are ratioed sits beside each one (story's definition ``both``: replies >
likes > 0 and replies > re-truths > 0; ``likes``: replies > likes > 0 -- a zero count never
makes a post ratioed, :func:`ratioed.analysis.ratios.ratio_flags`).

Two accounts: ``alice`` (a local account, id 1) and ``bob@example.social`` (id 2, username
``bob``). Ids are snowflakes built from the creation time (``id >> 16`` = ms since 1970).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

ALICE = {"id": "1", "username": "alice", "acct": "alice", "display_name": "Alice (made up)"}
BOB = {"id": "2", "username": "bob", "acct": "bob@example.social", "display_name": "Bob (made up)"}
START = pd.Timestamp("2025-03-01 12:00", tz="UTC")


def _id(t: pd.Timestamp, n: int) -> str:
    return str((int(t.value // 1_000_000) << 16) + n)


def status(n: int, account: dict, replies: int, reblogs: int, likes: int, *, text: str = "",
           reblog: dict | None = None, reply_to: tuple[str, str] | None = None,
           media: int = 0) -> dict:
    """One made-up Status entity, posted ``n`` hours after :data:`START`."""
    t = START + pd.Timedelta(hours=n)
    sid = _id(t, n)
    return {
        "id": sid, "created_at": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "in_reply_to_id": reply_to[0] if reply_to else None,
        "in_reply_to_account_id": reply_to[1] if reply_to else None,
        "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "en",
        "uri": f"https://example.social/users/{account['username']}/statuses/{sid}",
        "url": f"https://example.social/@{account['username']}/{sid}",
        "replies_count": replies, "reblogs_count": reblogs, "favourites_count": likes,
        "quotes_count": 0, "edited_at": None,
        "content": f"<p>{text}</p>" if text else "",
        "reblog": reblog, "account": account,
        "media_attachments": [{"id": f"{sid}{k}", "type": "image",
                               "url": f"https://media.example.social/{sid}/{k}.jpg",
                               "preview_url": f"https://media.example.social/{sid}/{k}_s.jpg"}
                              for k in range(media)],
        "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None,
    }


def statuses() -> list[dict]:
    """Every made-up status, newest first (as the API pages them)."""
    b1 = status(1, BOB, 20, 30, 10, text="Bob: replies beat likes, not boosts")  # likes only
    b2 = status(2, BOB, 40, 5, 6, text="Bob: ratioed &amp; then some")  # both: RATIOED
    a1 = status(3, ALICE, 10, 2, 5, text="Alice: first post")  # both: RATIOED
    a2 = status(4, ALICE, 1, 5, 50, text="Alice: popular")  # not
    # Alice boosts Bob's b2: the wrapper and the nested copy carry large counts, never hers
    a3 = status(5, ALICE, 5000, 0, 0, reblog={**b2, "replies_count": 99999,
                                               "favourites_count": 1})
    a4 = status(6, ALICE, 7, 1, 3, text="@bob I disagree", reply_to=(b1["id"], BOB["id"]))  # both: RATIOED (reply)
    a5 = status(7, ALICE, 3, 1, 2, text="(thread, 2/2)", reply_to=(a1["id"], ALICE["id"]))  # both: RATIOED (own thread: not a reply)
    a6 = status(8, ALICE, 0, 3, 8, media=2)  # media only, not ratioed
    b3 = status(9, BOB, 1000, 0, 0, reblog=a2)  # Bob boosts Alice's a2: excluded
    b4 = status(10, BOB, 2, 9, 1, text="Bob: more boosts than replies")  # likes only
    return [b4, b3, a6, a5, a4, a3, a2, a1, b2, b1]


# Hand computation (see the comments above), per account, under each definition:
RATIOED_BOTH = {"alice": {3, 6, 7}, "bob@example.social": {2}}
RATIOED_BOTH_NO_REPLIES = {"alice": {3, 7}, "bob@example.social": {2}}
RATIOED_LIKES = {"alice": {3, 6, 7}, "bob@example.social": {1, 2, 10}}
BOOSTS = {"alice": {5}, "bob@example.social": {9}}
REPLIES = {"alice": {6}, "bob@example.social": set()}


def ids(hours: set[int]) -> set[str]:
    """The ids of the made-up statuses posted ``hours`` after :data:`START`."""
    by_hour = {round((pd.Timestamp(int(s["id"]) >> 16, unit="ms", tz="UTC") - START)
                     / pd.Timedelta(hours=1)): s["id"] for s in statuses()}
    return {by_hour[h] for h in hours}


def write_pages(folder: Path, per_page: int = 4, jsonl: bool = False) -> list[Path]:
    """The statuses as API pages (``page-1.json`` newest; JSON arrays, pretty-printed like a
    saved response) or, with ``jsonl``, one JSON Lines file. Returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    items = statuses()
    if jsonl:
        out = folder / "statuses.jsonl"
        out.write_text("".join(json.dumps(s) + "\n" for s in items))
        return [out]
    files = []
    for k in range(0, len(items), per_page):
        out = folder / f"page-{k // per_page + 1}.json"
        out.write_text(json.dumps(items[k:k + per_page], indent=2))
        files.append(out)
    return files
