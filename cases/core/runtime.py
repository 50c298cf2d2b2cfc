"""Process-level tuning shared by the web app, the Celery worker and the benchmarks.

CPython's cyclic GC runs every 700 allocations by default; a request or a transition allocates
thousands of short-lived ORM and SQL objects that reference counting frees anyway, so the
collector mostly scans for nothing (about 10% of the one door's CPU, bench/door.py).
Freezing what start-up created and raising the first threshold keeps cycles collected while
cutting that cost — the tuning Instagram described for long-running Python servers.
"""

from __future__ import annotations

import gc
import os

GEN0_THRESHOLD = 50_000


#: Files the process creates are its own: folders 0700, files 0600. The places
#: that write them set their modes explicitly too; this is the belt for any that do not.
PRIVATE_UMASK = 0o077


def private_umask() -> None:
    os.umask(PRIVATE_UMASK)


def tune_gc() -> None:
    """The GC tuning above, and the private umask (both process-wide, set once at start)."""
    private_umask()
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
