"""Article files read and analysed in batches, on every core, handed back in file order.

Workers come from a fork server: a fresh process that has imported only the reading and
analysing code, so no worker is forked from a process with threads running (the bot
rebuilds from a thread of its own). Small folders stay in this process: starting workers
takes longer than reading them. A script that builds a large folder must start from an
`if __name__ == "__main__":` block, as with any multiprocessing (the workers import it).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .analysed import Analyser, Batch, collect_logs, read_batch
from .articles import Article

#: Fewer files than this are read in this process, however many cores there are. Two
#: workers broke even near 100 files on 2 cores (50 files: 1.4 s in one process, 1.8 s with
#: two; 200 files: 2.2 s and 1.9 s).
POOL_MIN_FILES = 150

#: Batches per worker: enough to keep every core busy to the end, few enough that handing
#: each batch back costs little.
BATCHES_PER_WORKER = 8
MAX_BATCH_FILES = 256


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def batch_size(files: int, workers: int) -> int:
    return max(1, min(MAX_BATCH_FILES, -(-files // (workers * BATCHES_PER_WORKER))))


def read_batches(paths: list[Path], kept: dict[str, Article],
                 workers: int | None = None) -> Iterator[Batch]:
    """`read_batch` over runs of `paths`, in order, in `workers` processes (1: this one only;
    default: one per core from `POOL_MIN_FILES` files on, else this one)."""
    if workers is None:
        workers = cores() if len(paths) >= POOL_MIN_FILES else 1
    size = batch_size(len(paths), workers)
    runs = [paths[i:i + size] for i in range(0, len(paths), size)]
    kept_of = [{p.name: kept[p.name] for p in run if p.name in kept} for run in runs]
    if workers == 1:
        analyser = Analyser()
        for run, kept_here in zip(runs, kept_of):
            yield read_batch(run, kept_here, analyser)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    level = logging.getLogger("index").getEffectiveLevel()
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=collect_logs,
                               initargs=(level,))
    try:
        yield from pool.map(read_batch, runs, kept_of)
    finally:  # on an error, leave the batches not started
        pool.shutdown(wait=True, cancel_futures=True)
