"""Speed and memory at 10,000 to 1,000,000 sentences: our index beside plain rank-bm25.

A deterministic synthetic corpus (a Zipf-distributed vocabulary of about 50,000 made-up
words, sentences of 8 to 40 words) is indexed and saved by our code in one process; a second
process loads it as the bot does and answers questions of 3 to 8 words (top 10), and then
builds `BM25Okapi` over the same analysed sentences and answers the same questions, so both
are timed in one process. Resident memory is each one's growth in that process; for our
index it counts the memory-mapped pages the questions touched. Before that, `python -m index
ask --jsonl` is started over the saved index and asked the same questions over a pipe, one at
a time, as an evaluation asks it: each time runs from writing the question to reading its
answer line, so it counts the CLI's search, JSON and flushing.

    python benchmarks/scale.py                      # 10k, 100k, 1M
    python benchmarks/scale.py --sizes 10000 100000 --baseline-questions 50
    python benchmarks/scale.py --sizes 1000000 --keep /tmp/scale   # reuse saved indexes
    python benchmarks/scale.py --sizes 1000000 --keep /tmp/scale --baseline 6c8e366 --rounds 6

With `--baseline REV`, an earlier commit's `ask --jsonl` is timed too (its own checkout,
building and asking its own saved index with its own copy of this script: REV must have the
ask step, 6c8e366 on), alternating with this checkout's for `--rounds` runs each. On a
shared machine whose speed drifts from minute to minute, the ratio of runs side by side says
more than either figure alone.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.worktree import checkout  # noqa: E402
from index.analysed import Analyser  # noqa: E402
from index.analysis import analyze  # noqa: E402
from index.articles import Article  # noqa: E402
from index.build import Builder  # noqa: E402
from index.model import SearchIndex  # noqa: E402
from index.passages import Passage  # noqa: E402
from index.search import search  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from index.store import IndexData, IndexFileError, fingerprint, load, save  # noqa: E402

VOCABULARY = 50_000
SENTENCES_PER_ARTICLE = 25
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe", "gu",
             "da", "fe", "ho", "ji", "bu", "ze", "ya", "wo", "ci", "xu"]


def word(rank: int) -> str:
    """A pronounceable made-up word for a vocabulary rank (so the stemmer does real work)."""
    out = []
    rank += 400  # at least three syllables
    while rank:
        rank, digit = divmod(rank, len(SYLLABLES))
        out.append(SYLLABLES[digit])
    return "".join(out)


def corpus(n: int, seed: int = 7) -> tuple[list[str], np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(seed)
    words = np.array([word(r) for r in range(VOCABULARY)])
    p = 1.0 / np.arange(1, VOCABULARY + 1)
    p /= p.sum()
    lengths = rng.integers(8, 41, size=n)
    drawn = words[rng.choice(VOCABULARY, size=int(lengths.sum()), p=p)]
    sentences, at = [], 0
    for length in lengths.tolist():
        sentences.append(" ".join(drawn[at:at + length]).capitalize() + ".")
        at += length
    return sentences, rng, p


def questions(rng: np.random.Generator, p: np.ndarray, n: int) -> list[str]:
    return [" ".join(word(int(r)) for r in rng.choice(VOCABULARY, size=int(rng.integers(3, 9)), p=p))
            for _ in range(n)]


def synthetic_data(sentences: list[str]) -> IndexData:
    """The sentences as articles of SENTENCES_PER_ARTICLE passages, analysed by our analyzer.

    Its fingerprint is an empty articles folder's, so the CLI given one (`--seeds EMPTY
    --index …`) opens it as current rather than rebuilding it."""
    analyser, builder = Analyser(), Builder()
    for a in range(0, len(sentences), SENTENCES_PER_ARTICLE):
        article_id = f"s{a // SENTENCES_PER_ARTICLE}"
        chunk = sentences[a:a + SENTENCES_PER_ARTICLE]
        analyser.add(Article(id=article_id, title=chunk[0], paragraphs=tuple(chunk)),
                     [Passage(f"{article_id}.{i + 1}", article_id, i, "body", 0, text)
                      for i, text in enumerate(chunk)])
    builder.take(analyser.batch())
    with tempfile.TemporaryDirectory() as empty:
        return builder.finish(fingerprint(Path(empty)))


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - start)
    return out


def build_step(n: int, folder: Path) -> dict:
    """Build the index of n sentences and save it to `folder` (its own process), unless a
    current one is there from an earlier run (`--keep`): then report that run's build."""
    path, report = folder / "index.json", folder / "build.json"
    with tempfile.TemporaryDirectory() as empty:
        try:
            if report.exists() and load(path).fingerprint == fingerprint(Path(empty)):
                return json.loads(report.read_text())
        except IndexFileError:
            pass
    sentences, _, _ = corpus(n)
    start = time.perf_counter()
    data = synthetic_data(sentences)
    SearchIndex(data, IndexSettings(top_k=10))  # the BM25 model is part of the build
    build = time.perf_counter() - start
    save(data, path)
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    out = {"build_s": build, "saved_mb": size / 1e6,
           "build_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000}
    report.write_text(json.dumps(out))
    return out


def ask_step(n: int, folder: Path, n_questions: int) -> dict:
    """The questions asked one at a time of `python -m index ask --jsonl` over the saved index,
    through its stdin and stdout: each time is from writing a question to reading its answer
    line (checked afterwards). One question first waits for the index to load and warm,
    untimed."""
    _, rng, p = corpus(n)
    asked = questions(rng, p, n_questions)
    with tempfile.TemporaryDirectory() as empty:
        cmd = [sys.executable, "-m", "index", "--quiet", "--seeds", empty,
               "--index", str(folder / "index.json"), "ask", "--jsonl", "-k", "10"]
        with subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              encoding="utf-8") as cli:
            answers = []

            def ask(question: str) -> None:
                cli.stdin.write(question + "\n")
                cli.stdin.flush()
                answers.append(cli.stdout.readline())

            start = time.perf_counter()
            ask("warm up")
            open_s = time.perf_counter() - start
            seconds = timed(ask, asked)
            cli.stdin.close()
    for question, line in zip(["warm up"] + asked, answers):  # parsed untimed: 56 µs an answer
        if not json.loads(line)["question"]:
            raise RuntimeError(f"no answer to {question!r}")
    if cli.returncode:
        raise RuntimeError(f"ask --jsonl exited {cli.returncode}")
    return {"ask_open_s": open_s, "ask": percentiles(seconds)}


def serve_step(n: int, folder: Path, n_questions: int, n_baseline: int) -> dict:
    """Load the saved index as the bot does and answer questions, then rank-bm25 in the same
    process on the same questions (its own process, so memory is this size's alone)."""
    sentences, rng, p = corpus(n)
    asked = questions(rng, p, n_questions)
    settings = IndexSettings(top_k=10)
    gc.collect()
    base_rss = rss_mb()
    start = time.perf_counter()
    index = SearchIndex(load(folder / "index.json"), settings)
    index.warm()  # as the bot does before it connects: compile, page the model in
    load_s = time.perf_counter() - start
    gc.freeze()  # as the bot service does: the index is long-lived
    term_lists = [analyze(q) for q in asked]
    full = timed(lambda q: search(index, q, 10), asked)
    core = timed(lambda t: index.best(t, 10), term_lists)
    ours_rss = rss_mb() - base_rss  # mapped pages the questions touched count too

    terms = [analyze(text) for text in sentences]
    before = rss_mb()
    start = time.perf_counter()
    baseline = BM25Okapi(terms, k1=settings.k1, b=settings.b, epsilon=settings.epsilon)
    baseline_build = time.perf_counter() - start
    baseline_rss = rss_mb() - before
    plain = timed(lambda t: baseline.get_top_n(t, sentences, n=10), term_lists[:n_baseline])
    # Spot check: the same scores for our best passages as rank-bm25 gives them.
    alone = np.arange(len(index))
    for t in term_lists[:5]:
        best, _, bm25 = index.scorer.top(t, 10, alone, np.zeros(len(index)))
        assert np.array_equal(bm25, baseline.get_scores(t)[best])
    return {"load_s": load_s, "rss_mb": ours_rss, "search": percentiles(full),
            "scorer": percentiles(core), "questions": len(asked),
            "baseline_build_s": baseline_build, "baseline_rss_mb": baseline_rss,
            "baseline": percentiles(plain), "baseline_questions": len(plain)}


def run_step(*args: str, tree: Path = ROOT) -> dict:
    """One step in its own process, by the copy of this script in `tree`."""
    done = subprocess.run([sys.executable, str(tree / "benchmarks" / "scale.py"), *args],
                          cwd=tree, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def alternating(n: int, trees: dict[str, tuple[Path, Path]], n_questions: int,
                rounds: int) -> dict[str, list[tuple[float, float]]]:
    """(p50, p99) of `ask --jsonl` for each checkout (tree, saved index folder), their runs
    taking turns, the order reversed every round."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for r in range(rounds):
        for name in list(trees)[::1 if r % 2 == 0 else -1]:
            tree, folder = trees[name]
            runs[name].append(tuple(run_step("--step", "ask", str(n), "--folder", str(folder),
                                             "--questions", str(n_questions), tree=tree)["ask"]))
    return runs


def compared(runs: dict[str, list[tuple[float, float]]], ours: str, theirs: str) -> str:
    """Each checkout's median p50 and p99 over the runs (ranges), and the paired ratios."""
    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
    lines = [f"  {name}: p50 {spread([a for a, _ in v])}, p99 {spread([b for _, b in v])} ms"
             for name, v in runs.items()]
    for at, label in ((0, "p50"), (1, "p99")):
        ratios = [a[at] / b[at] for a, b in zip(runs[ours], runs[theirs])]
        lines.append(f"  {label} {ours} / {theirs}, run by run: {spread(ratios)}, "
                     f"lower in {sum(x < 1 for x in ratios)} of {len(ratios)}")
    return "\n".join(lines)


def size_row(n: int, args: argparse.Namespace, old: Path | None) -> bool:
    """Print the figures of n sentences (and the baseline's beside ours); False on failure."""
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        folder = args.keep / str(n) if args.keep else Path(tmp) / "ours"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            r = run_step("--step", "build", str(n), "--folder", str(folder))
            r |= run_step("--step", "ask", str(n), "--folder", str(folder), "--questions",
                          str(args.questions))
            r |= run_step("--step", "serve", str(n), "--folder", str(folder), "--questions",
                          str(args.questions), "--baseline-questions",
                          str(args.baseline_questions))
            if old is not None:
                theirs = (args.keep / f"{n}-{args.baseline}" if args.keep
                          else Path(tmp) / "baseline")
                theirs.mkdir(parents=True, exist_ok=True)
                run_step("--step", "build", str(n), "--folder", str(theirs), tree=old)
                runs = alternating(n, {"ours": (ROOT, folder), args.baseline: (old, theirs)},
                                   args.questions, args.rounds)
        except RuntimeError as exc:
            print(f"{n}: {exc}")
            return False
    plain = r["baseline"][0]
    print(f"{n:>9,} | {r['build_s']:7.1f} | {r['saved_mb']:8.0f} | {r['load_s']:6.2f} | "
          f"{r['rss_mb']:6.0f} | {r['ask'][0]:7.2f} / {r['ask'][1]:6.2f} | "
          f"{r['search'][0]:7.2f} / {r['search'][1]:6.2f} | "
          f"{r['scorer'][0]:6.2f} / {r['scorer'][1]:6.2f} || {r['baseline_build_s']:6.1f} | "
          f"{r['baseline_rss_mb']:6.0f} | {plain:8.1f} / {r['baseline'][1]:8.1f} "
          f"({r['baseline_questions']}) | {plain / r['ask'][0]:5.0f}x / "
          f"{plain / r['search'][0]:5.0f}x / {plain / r['scorer'][0]:5.0f}x", flush=True)
    if old is not None:
        print(f"  ask --jsonl at {n:,}, {args.rounds} runs each, taking turns:\n"
              + compared(runs, "ours", args.baseline), flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--baseline-questions", type=int, default=200,
                        help="at most this many for rank-bm25 (it takes seconds each at 1M)")
    parser.add_argument("--keep", type=Path, help="keep each size's saved index in KEEP/N and "
                        "reuse it in later runs (default: a temporary folder per size)")
    parser.add_argument("--baseline", metavar="REV", help="also time this commit's ask --jsonl, "
                        "runs taking turns with this checkout's")
    parser.add_argument("--rounds", type=int, default=6, help="runs of each with --baseline")
    parser.add_argument("--step", nargs=2, help=argparse.SUPPRESS)  # build|ask|serve N
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        step, n = args.step[0], int(args.step[1])
        if step == "build":
            print(json.dumps(build_step(n, args.folder)))
        elif step == "ask":
            print(json.dumps(ask_step(n, args.folder, args.questions)))
        else:
            limit = args.baseline_questions if n < 1_000_000 else min(args.baseline_questions, 30)
            print(json.dumps(serve_step(n, args.folder, args.questions, limit)))
        return 0
    print("sentences | build s | saved MB | load s | RSS MB | ask --jsonl p50/p99 ms | "
          "search p50/p99 ms | scorer p50/p99 ms || rank-bm25 build s | RSS MB | "
          "get_top_n p50/p99 ms (n) | speed-up p50 (ask / search / scorer)")
    with checkout(args.baseline) as old:
        for n in args.sizes:
            if not size_row(n, args, old if args.baseline else None):
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
