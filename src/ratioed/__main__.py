import gc
import sys

from .cli import main

code = main()
# What the command built (pandas, nbconvert, the page's templates) dies with the process: out of
# the collector's reach, the exit skips a last full collection (0.3 s after a build).
gc.freeze()
sys.exit(code)
