# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. The story's claims, checked
#
# Each claim is written in our own words in `data/claims.yaml` and checked by code in
# `ratioed.claims`. A claim about the whole archive ("only one post", "the first time") can be
# contradicted by a window of data but supported only by the full archive; on a window it is
# marked *not checkable with these data*.

# %% tags=["parameters"]
definition = "both"  # the story's definition of "ratioed": both | either | likes | retruths
highlight_id = "114842356238631061"  # the post the story is about (a string)
observations = None  # CSV of reporters readings (post_id, observed_at, counts, source). None means data/raw/observations.csv
start = None  # the date window notebook 1 applied (a window makes archive-wide claims uncheckable)
end = None  # see `start`
tz = "America/New_York"  # time zone for times quoted in the evidence

# %%
import json

import pandas as pd
from IPython.display import display

from ratioed import paths
from ratioed.record import record_numbers
from ratioed.claims import Evidence, evaluate, read_claims, read_observations
from ratioed.figures import show_table
from ratioed.files import read_parquet, write_csv_atomic

ratios = read_parquet(paths.RATIOS_PARQUET)
history = read_parquet(paths.HISTORY_PARQUET)
all_posts = read_parquet(paths.PROCESSED_DIR / "all_posts.parquet")
obs = read_observations(observations or paths.OBSERVATIONS_CSV)
claims = read_claims(paths.CLAIMS_YAML)
print(f"{len(claims)} claims; {len(ratios):,} posts; {len(obs)} reporter observation(s)")

# %%
evidence = Evidence(posts=ratios, history=history, observations=obs,
                    all_created_at=all_posts["created_at"], windowed=bool(start or end),
                    highlight_id=highlight_id, definition=definition, tz=tz)
verdicts = evaluate(claims, evidence)
write_csv_atomic(verdicts, paths.CLAIMS_CSV)
record_numbers("claims", {r.id: {"status": r.status, "numbers": json.loads(r.numbers)}
                          for r in verdicts.itertuples()})
print("Input covers the full archive" if evidence.full_archive else
      f"Input is not the full archive ({evidence.coverage}): archive-wide claims are not checkable")
display(show_table(verdicts[["id", "claim", "status", "evidence"]]))
