"""How long `python -m index build` takes over a folder of article files, serial and parallel.

A deterministic folder of news-like article files is written once (a headline, a byline and
paragraphs of attributed statements, quotations and plain sentences over a Zipf-distributed
English vocabulary, 50 passages a file), then the CLI builds it from scratch in fresh
processes, each way in turn, so both are timed under the same load:

    python benchmarks/build_speed.py --sentences 100000
    python benchmarks/build_speed.py --sentences 1000000 --repeat 1 --baseline 0163293
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.worktree import checkout  # noqa: E402

#: Passages per file: the headline, the byline and this many less two body sentences.
PASSAGES_PER_FILE = 50

_FIRST = ("Lloyd Ann Maria James Yoav Olena Chen Fatima David Sarah Ahmed Elena Robert Priya "
          "Kofi Laura Mikhail Grace Tomas Aisha").split()
_LAST = ("Austin Gallant Smith Novak Okafor Haddad Kim Petrov Garcia Lubell Brennan Moreau "
         "Tanaka Mensah Lindqvist Rossi Kowalski Ibrahim Walsh Duarte").split()
_ROLES = ("defense secretary", "foreign minister", "spokesperson", "mayor", "chief executive",
          "health minister", "senior analyst", "police chief", "union leader", "governor")
_PLACES = ("Gaza", "Kyiv", "Washington", "Brussels", "Lagos", "Manila", "Ottawa", "Lima",
           "Nairobi", "Seoul", "Dublin", "Texas", "the capital", "the northern province")
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_VERBS = "said told warned added noted stressed argued confirmed".split()


class _Words:
    """English words drawn by frequency rank (Zipf), as news text uses them."""

    def __init__(self, rng: np.random.Generator):
        from wordfreq import top_n_list
        self.words = np.array([w for w in top_n_list("en", 30_000)[50:] if w.isalpha()])
        p = np.cumsum(1.0 / np.arange(1, len(self.words) + 1) ** 0.9)
        self.cdf = p / p[-1]
        self.rng = rng

    def clause(self, low: int = 6, high: int = 22) -> str:
        n = int(self.rng.integers(low, high))
        drawn = np.searchsorted(self.cdf, self.rng.random(n)).clip(max=len(self.words) - 1)
        return " ".join(self.words[drawn])


def _sentence(words: _Words, rng: np.random.Generator) -> str:
    pick = lambda items: items[int(rng.integers(len(items)))]  # noqa: E731
    name = f"{pick(_FIRST)} {pick(_LAST)}"
    form = int(rng.integers(6))
    if form == 0:
        return (f"{name}, the {pick(_ROLES)} of {pick(_PLACES)}, {pick(_VERBS)} on "
                f"{pick(_DAYS)} that the {words.clause(4, 14)}.")
    if form == 1:
        return f"“{words.clause().capitalize()},” {name.split()[1]} {pick(_VERBS)}."
    if form == 2:
        return (f"{words.clause().capitalize()} in {pick(_PLACES)}, according to "
                f"{pick(_ROLES)} {name}.")
    if form == 3:
        return (f"At least {int(rng.integers(2, 5000)):,} {words.clause(3, 10)} last "
                f"{pick(_DAYS)}, officials {pick(_VERBS)}.")
    return f"{words.clause(8, 30).capitalize()}."


def write_folder(folder: Path, sentences: int, files: int, seed: int = 12) -> None:
    """`files` article files holding about `sentences` passages in all."""
    rng = np.random.default_rng(seed)
    words = _Words(rng)
    folder.mkdir(parents=True, exist_ok=True)
    per_file = max(3, sentences // files)
    for f in range(files):
        body = [_sentence(words, rng) for _ in range(per_file - 2)]
        paragraphs, at = [], 0
        while at < len(body):
            take = int(rng.integers(1, 4))
            paragraphs.append(" ".join(body[at:at + take]))
            at += take
        headline = words.clause(5, 10).capitalize()
        byline = f"By {_FIRST[f % len(_FIRST)]} {_LAST[f * 7 % len(_LAST)]}"
        text = "\n\n".join([headline, byline, *paragraphs]) + "\n"
        (folder / f"{f:06d}_story.txt").write_text(text, encoding="utf-8")


def _cpu_seconds(root: int, seen: dict[int, float]) -> None:
    """Note the CPU time so far of `root` and every process below it (workers are the fork
    server's children), by pid."""
    parents, times = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for pid, cpu in times.items():
        up = pid
        while up in parents and up != root:
            up = parents[up]
        if up == root:
            seen[pid] = max(seen.get(pid, 0.0), cpu)


def build_once(tree: Path, folder: Path, workers: int | None) -> tuple[float, float, float]:
    """Wall and CPU seconds of one CLI build of `folder` from scratch, in a fresh process, and
    the CPU seconds of its longest chain: the build process plus its busiest worker, which is
    about the wall time on cores nobody else uses (CPU sampled every 0.2 s)."""
    with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
        command = [sys.executable, "-m", "index", "build", "--seeds", str(folder),
                   "--index", str(Path(tmp) / "index.json"), "--force", "-q"]
        if workers is not None:
            command += ["--workers", str(workers)]
        seen: dict[int, float] = {}
        start = time.perf_counter()
        with subprocess.Popen(command, cwd=tree, stdout=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONPATH": str(tree)}) as proc:
            while proc.poll() is None:
                _cpu_seconds(proc.pid, seen)
                time.sleep(0.2)
        wall = time.perf_counter() - start
        if proc.returncode:
            raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}")
        others = [cpu for pid, cpu in seen.items() if pid != proc.pid]
        return wall, sum(seen.values()), seen.get(proc.pid, 0.0) + max(others, default=0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--files", type=int, help="default: one per 50 sentences")
    parser.add_argument("--folder", type=Path, help="keep the articles here (reused if there)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="also time this commit's build (serial, as it was)")
    args = parser.parse_args(argv)
    files = args.files or max(1, args.sentences // PASSAGES_PER_FILE)
    with tempfile.TemporaryDirectory(prefix="articles-") as tmp:
        folder = args.folder or Path(tmp) / "articles"
        if not folder.is_dir() or not any(folder.iterdir()):
            start = time.perf_counter()
            write_folder(folder, args.sentences, files)
            print(f"wrote {files:,} files in {time.perf_counter() - start:.0f} s", flush=True)
        with checkout(args.baseline) as old:
            modes = {"serial": (ROOT, 1), "parallel": (ROOT, None)}
            if args.baseline:
                modes = {f"baseline {args.baseline}": (old, None)} | modes
            times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in modes}
            for _ in range(args.repeat):  # interleaved: each way sees the same load
                for name, (tree, workers) in modes.items():
                    times[name].append(build_once(tree, folder, workers))
                    print(f"  {name}: {times[name][-1][0]:.1f} s", flush=True)
    first = statistics.median(run[0] for run in next(iter(times.values())))
    print(f"{args.sentences:,} sentences, {files:,} files, {os.cpu_count()} cores, "
          f"median of {args.repeat}:")
    print(f"  {'':>24}   wall s   speed-up  CPU s  cores busy  longest chain CPU s")
    for name, runs in times.items():
        wall, cpu, chain = (statistics.median(column) for column in zip(*runs))
        print(f"  {name:>24}: {wall:6.1f}  {first / wall:6.2f}x  {cpu:6.1f}  {cpu / wall:6.2f}"
              f"      {chain:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
