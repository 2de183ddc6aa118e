"""A thread of its own for one kind of blocking work (searching, rebuilding, fetching).

One thread each, reused: the event loop (and the gateway heartbeat) stays free, and the same
thread reuses the memory it freed, where each new pool thread would grow a heap of its own.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


class Worker:
    def __init__(self, name: str) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, fn, *args):
        """`fn(*args)` on this worker's thread, awaited."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
