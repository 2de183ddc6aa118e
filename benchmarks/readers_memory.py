"""Memory of 1, 2 and 4 reader processes on one machine serving one saved index.

Builds (or reuses, `--index`) the synthetic saved index of `scale.py`'s build step
(1,000,000 sentences by default), starts a fake Discord on 127.0.0.1 with 4 shards and 8
servers, and runs the bot as an operator scales it out: `python -m bot run --shards …` with
`role = "reader"`, the 4 shards split over 1, 2 or 4 processes. Each process is asked
questions in every server it owns, then its memory is read from /proc/PID/smaps_rollup: RSS
counts the index's memory-mapped pages in every process that touched them; PSS shares each
page among the processes mapping it, so the PSS total is what the machine really spends.

Beside it, the baseline in the same run: one process holding plain rank-bm25 (`BM25Okapi`)
over the same analysed sentences, which every process would need whole, nothing shared.

    python benchmarks/readers_memory.py                    # 1M sentences, 1, 2 and 4 readers
    python benchmarks/readers_memory.py --sentences 100000 --no-baseline
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from fakediscord import FakeDiscord  # noqa: E402
from scale import build_step, corpus, questions  # noqa: E402

TOKEN = "readers-memory-token"
SHARDS = 4
SPLITS = {1: ["0-3"], 2: ["0-1", "2-3"], 4: ["0", "1", "2", "3"]}


def memory_mb(pid: int) -> dict[str, float]:
    """RSS and PSS (and PSS of file-backed pages: the mapped index) from smaps_rollup."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                fields[name] = int(rest.split()[0]) / 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"], "pss_file": fields.get("Pss_File", 0.0)}


def reader_config(folder: Path, index_path: Path, fake: FakeDiscord) -> Path:
    config = folder / "reader.toml"
    config.write_text(
        f'[index]\nindex_path = "{index_path}"\nseeds = "{folder / "no-articles"}"\n'
        f'[bot]\nrole = "reader"\nshard_count = {SHARDS}\ncooldown_seconds = 0\n'
        f'watch_seconds = 0\nstate_path = "{folder / "commands.sha256"}"\n'
        f'api_base_url = "{fake.rest_url}"\ngateway_url = "{fake.gateway_url}"\n',
        encoding="utf-8")
    return config


async def measure(processes: int, index_path: Path, asked: list[str], folder: Path
                  ) -> list[dict]:
    """Start the readers, ask every server, read each process's memory, stop them."""
    env = {**os.environ, "DISCORD_TOKEN": TOKEN}
    async with FakeDiscord(token=TOKEN, shard_count=SHARDS, guild_count=2 * SHARDS) as fake:
        config = reader_config(folder, index_path, fake)
        started = []
        for shards in SPLITS[processes]:
            log = open(folder / f"reader-{shards}.log", "w", encoding="utf-8")
            started.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--config", str(config), "--shards", shards,
                cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log))
        try:
            await fake.wait_until(lambda: fake.connected_shards() == list(range(SHARDS)), 600,
                                  "every shard connected")
            await fake.wait_until(lambda: fake.find_command("ask") is not None, 60, "/ask")
            tokens = [await fake.send_command("ask", {"question": q},
                                              guild_id=fake.guild_ids[i % len(fake.guild_ids)])
                      for i, q in enumerate(asked)]
            for token in tokens:
                await fake.wait_for_response(token, timeout=60)
            fake.forget()
            return [memory_mb(p.pid) for p in started]
        finally:
            for process in started:
                process.terminate()
                await process.wait()


def baseline_mb(n: int) -> float:
    """RSS of a process that holds plain rank-bm25 over the same analysed sentences."""
    code = ("import sys, json; sys.path[:0] = [%r, %r]\n"
            "from scale import corpus\nfrom index.analysis import analyze\n"
            "from rank_bm25 import BM25Okapi\n"
            "sentences, _, _ = corpus(%d)\nmodel = BM25Okapi([analyze(s) for s in sentences])\n"
            "del sentences\nimport gc; gc.collect()\n"
            "print(json.dumps(int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20))"
            % (str(ROOT), str(ROOT / "benchmarks"), n))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=400, help="asked in each layout")
    parser.add_argument("--index", type=Path, help="a saved index to reuse (built if missing)")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        saved_in = args.index.parent if args.index else folder
        saved_in.mkdir(parents=True, exist_ok=True)
        build_step(args.sentences, saved_in)  # saved with its BM25 model, as a writer saves it
        index_path = saved_in / "index.json"
        arrays = sum(f.stat().st_size for f in index_path.parent.rglob("*") if f.is_file())
        print(f"saved index: {args.sentences:,} sentences, {arrays / 2**20:,.0f} MB on disk "
              f"(ready in {time.perf_counter() - start:.0f} s)", flush=True)
        _, rng, p = corpus(1000)
        asked = questions(rng, p, args.questions)
        print("| reader processes | RSS each (median) | PSS each (median) | of which file-backed "
              "(index, libraries) | RSS total | PSS total |\n|---|---|---|---|---|---|")
        for count in SPLITS:
            measured = asyncio.run(measure(count, index_path, asked, folder))
            rss, pss = [m["rss"] for m in measured], [m["pss"] for m in measured]
            print(f"| {count} | {statistics.median(rss):,.0f} MB | {statistics.median(pss):,.0f} MB"
                  f" | {statistics.median(m['pss_file'] for m in measured):,.0f} MB"
                  f" | {sum(rss):,.0f} MB | {sum(pss):,.0f} MB |", flush=True)
        if not args.no_baseline:
            print(f"baseline, same sentences: one process holding rank-bm25's BM25Okapi: "
                  f"{baseline_mb(args.sentences):,.0f} MB RSS (each process its own, nothing "
                  "shared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
