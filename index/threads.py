"""Numba's own threads, for the parts of one question that run at once.

Handing a part to a Python thread pool cost 120-150 µs a handover on the 2-core VM this was
measured on (a queue, the GIL and an idle processor to wake, there and back), and a question
at a million sentences took one or two: in one process, median, dense questions 1.54 ms
against 1.18 ms and skipped ones 1.50 against 0.97 with numba's OpenMP threads, which wait
for work spinning and start a part in about 10 µs.

Numba's fallback threading layer (workqueue) aborts the process when two threads use it at
once, and the bot searches from one thread while it rebuilds in another; so only a thread-safe
layer is allowed (OpenMP, from the system's libgomp, or TBB). Without one, every question is
worked in one part, and a warning says why once.
"""

from __future__ import annotations

import logging
import os
from functools import cache

import numba
import numpy as np

log = logging.getLogger(__name__)

if numba.config.THREADING_LAYER not in ("omp", "tbb", "safe", "threadsafe"):
    numba.config.THREADING_LAYER = "threadsafe"

#: How long OpenMP's threads wait spinning for the next loop before they sleep (read when
#: numba first loads it). Its default spun 6 ms of a core after every loop, here: on two
#: cores the process answering a pipe then waited for one, and `ask --jsonl` at a million
#: sentences had a p99 of 7.8-9.9 ms in 8 of 25 runs (at most 7.1 with Python's threads).
#: 10,000 spins, about 0.2 ms, reach from one loop of a question to its next, not to the
#: next question: p99 5.4-6.1 ms in 4 runs, p50 2.58-2.85 (the default's 2.49-2.66).
os.environ.setdefault("GOMP_SPINCOUNT", "10000")


@numba.njit(cache=True, parallel=True)
def _probe(out):  # pragma: no cover - compiled
    for p in numba.prange(len(out)):
        out[p] = p


@cache
def available() -> bool:
    """Can a question's parts run at once here (a thread-safe threading layer loads)?"""
    try:
        _probe(np.zeros(2, dtype=np.int64))
    except Exception as error:  # numba raises ValueError: no threading layer could be loaded
        log.warning("Questions are searched on one core: numba found no thread-safe "
                    "threading layer (install the system's libgomp, or tbb). %s",
                    str(error).splitlines()[0])
        return False
    return True


def use(parts: int) -> None:
    """Let the next compiled parallel loop of this thread run `parts` parts at once."""
    numba.set_num_threads(max(1, min(parts, numba.config.NUMBA_NUM_THREADS)))
