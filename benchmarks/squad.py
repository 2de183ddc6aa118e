"""Answer-sentence retrieval on SQuAD: our `python -m index` against plain rank-bm25.

Usage (from the repo root):
    python benchmarks/squad.py ../shared/bench/squad_sentqa.json [--split dev|test|both]
           [--set k1=0.9 --set b=0.3 ...] [--baseline REV]
    python benchmarks/squad.py ../shared/bench/squad_sentqa.json --tune   # dev only

Our system is run through its command line, as a user would run it, so the figures cover
article loading, sentence splitting, analysis and abstention, not just the ranking function.
The baselines (rank-bm25 over regex-split sentences, naive tokens) show what our splitter
and analyzer buy. A question counts at rank r when the r-th passage contains the answer
text or an alternative answer, both folded the same way. Tune on dev; test is reported as
it comes out.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.worktree import checkout  # noqa: E402
from index.build import build_data  # noqa: E402
from index.model import SearchIndex  # noqa: E402
from index.search import QuestionError, search  # noqa: E402
from index.settings import IndexSettings, settings_from_table  # noqa: E402
from index.store import IndexData  # noqa: E402

TOP = 10
Question = dict        # {id, question, article_id, answer_text, answer_start, alt_answers}
Ranking = list[list[str]]  # passage texts per question, best first; [] means it abstained
GRID: dict[str, list[float]] = {
    "k1": [0.6, 0.9, 1.2, 1.5], "b": [0.3, 0.5, 0.75],
    "context_weight": [0, 0.1, 0.2, 0.3], "article_weight": [0, 0.05, 0.1, 0.2],
}
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'})


def fold(text: str) -> str:
    """Case-fold, straighten quotes, collapse spaces: a passage and an answer compare alike."""
    return " ".join(text.translate(_QUOTES).casefold().split())


def first_rank(texts: list[str], question: Question) -> int | None:
    """1-based rank of the first passage holding an answer; None when none does."""
    answers = {fold(a) for a in [question["answer_text"], *question["alt_answers"]]} - {""}
    for rank, text in enumerate(texts[:TOP], 1):
        folded = fold(text)
        if any(a in folded for a in answers):
            return rank
    return None


def metrics(ranking: Ranking, questions: list[Question]) -> dict[str, float]:
    """Recall@1, Recall@3, MRR@10 and the share of questions answered with no passage."""
    ranks = [first_rank(texts, q) for texts, q in zip(ranking, questions)]
    n = max(1, len(questions))
    return {"r1": sum(r == 1 for r in ranks) / n,
            "r3": sum(r is not None and r <= 3 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r) / n,
            "abstained": sum(not texts for texts in ranking) / n}


def write_articles(articles: list[dict], folder: Path) -> None:
    """Article files as our loader reads them; json.dumps gives valid TOML basic strings."""
    for n, article in enumerate(articles):
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", article["text"])]
        body = "\n\n".join(p for p in paragraphs if p)
        text = (f"+++\nid = {json.dumps(article['id'])}\ntitle = {json.dumps(article['title'])}"
                f"\n+++\n\n{body}\n")
        (folder / f"{n:02d}_{article['id']}.txt").write_text(text, encoding="utf-8")


def parse_sets(items: Iterable[str]) -> dict[str, float | int]:
    """`key=value` pairs, each value read as TOML and checked by the index's own settings."""
    table: dict[str, float | int] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set wants key=value, not {item!r}")
        table[key.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
    settings_from_table(table)  # raises SettingsError naming a bad key or value
    return table


def run_cli(folder: Path, questions: list[Question], config: Path | None,
            root: Path = ROOT) -> Ranking:
    """Ask every question through `python -m index ask --jsonl` of the checkout in `root`."""
    cmd = [sys.executable, "-m", "index", "--quiet", "--seeds", str(folder)]
    cmd += ["--config", str(config)] if config else []
    cmd += ["ask", "--jsonl", "-k", str(TOP)]
    stdin = "".join(" ".join(q["question"].splitlines()) + "\n" for q in questions)
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=root,
                          encoding="utf-8", check=True)
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(answers) != len(questions):
        raise RuntimeError(f"asked {len(questions)} questions, got {len(answers)} answers")
    return [[p["text"] for p in a["passages"]] for a in answers]


def regex_sentences(articles: list[dict]) -> list[str]:
    """Every sentence by the naive regex split, paragraph by paragraph."""
    out = []
    for article in articles:
        for paragraph in re.split(r"\n\s*\n", article["text"]):
            out += [s for s in re.split(r"(?<=[.!?])\s+", paragraph.strip()) if s.strip()]
    return out


def bm25_baseline(sentences: list[str], questions: list[Question],
                  tokenize: Callable[[str], list[str]]) -> Ranking:
    """Plain rank-bm25 (default parameters): the top 10 sentences by score, never abstaining."""
    model = BM25Okapi([tokenize(s) for s in sentences])
    ranking = []
    for q in questions:
        scores = model.get_scores(tokenize(q["question"]))
        ranking.append([sentences[i] for i in np.argsort(-scores, kind="stable")[:TOP]])
    return ranking


class CachedIndex(SearchIndex):
    """SearchIndex whose BM25 scores are memoised across instances with the same k1, b.

    Tuning asks the same questions hundreds of times; only the mixing of scores and the
    coverage test change between most settings, and search() itself still runs unchanged.
    """

    cache: dict[tuple, np.ndarray] = {}

    def _memo(self, kind: str, terms: list[str], compute: Callable) -> np.ndarray:
        s = self.settings
        key = (kind, s.k1, s.b, s.epsilon, tuple(terms))
        if key not in self.cache:
            self.cache[key] = compute(terms)
        return self.cache[key]

    def bm25_scores(self, terms: list[str]) -> np.ndarray:
        return self._memo("passage", terms, super().bm25_scores)

    def article_scores(self, terms: list[str]) -> np.ndarray:
        return self._memo("article", terms, super().article_scores)


def evaluate(data: IndexData, questions: list[Question], table: dict) -> dict[str, float]:
    """Dev metrics of our search() in-process under one setting; bad questions abstain."""
    index = CachedIndex(data, settings_from_table(table))
    ranking = []
    for q in questions:
        try:
            ranking.append([h.passage.text for h in search(index, q["question"], TOP).hits])
        except QuestionError:
            ranking.append([])
    return metrics(ranking, questions)


def tune(data: IndexData, dev: list[Question], rounds: int = 2) -> dict[tuple, dict]:
    """Coordinate search from the defaults: each parameter over its grid, the others held.

    The full grid is 576 settings at about 10 s each on dev (over 1.5 hours); two rounds of
    coordinate search try about 26, the second round re-checking the first round's choices.
    """
    seen: dict[tuple, dict] = {}
    best = tuple(sorted((key, getattr(IndexSettings(), key)) for key in GRID))
    for _ in range(rounds):
        for key, values in GRID.items():
            for value in values:
                trial = tuple(sorted({**dict(best), key: value}.items()))
                if trial not in seen:
                    seen[trial] = evaluate(data, dev, dict(trial))
            best = max(seen, key=lambda sig: (seen[sig]["mrr"], seen[sig]["r1"]))
    return seen


def row(system: str, split: str, n: int, passages: int | None, m: dict, seconds: float) -> str:
    shown = "-" if passages is None else passages  # another checkout: its own count, unread
    return (f"{system:<34} | {split:<5} | {n:>9} | {shown:>8} | {m['r1']:.3f} | "
            f"{m['r3']:.3f} | {m['mrr']:.3f}  | {m['abstained']:>9.3f} | {seconds:>7.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="squad_sentqa.json")
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="an [index] setting for our system, e.g. k1=0.9 (repeatable)")
    parser.add_argument("--tune", action="store_true", help="search settings on dev only")
    parser.add_argument("--baseline", metavar="REV",
                        help="also run this git revision of the project, in the same run")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    bench = json.loads(args.bench.read_text(encoding="utf-8"))
    try:
        table = parse_sets(args.set)
    except (ValueError, tomllib.TOMLDecodeError) as exc:  # SettingsError is a ValueError
        parser.error(str(exc))
    with tempfile.TemporaryDirectory(prefix="squad-") as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp) / "seeds"
        folder.mkdir()
        write_articles(bench["articles"], folder)
        data, warnings = build_data(folder)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if args.tune:
            seen = tune(data, bench["dev"])
            for label, key in (("MRR@10", "mrr"), ("R@1", "r1")):
                print(f"\nbest on dev by {label} ({len(seen)} settings tried):")
                ranked = sorted(seen.items(), key=lambda kv: -kv[1][key])[:5]
                for sig, m in ranked:
                    setting = " ".join(f"{k}={v}" for k, v in sig)
                    print(f"  R@1 {m['r1']:.3f}  R@3 {m['r3']:.3f}  MRR@10 {m['mrr']:.3f}  "
                          f"abst {m['abstained']:.3f}  {setting}")
            print(f"\ntotal {time.perf_counter() - started:.1f}s")
            return 0
        config = None
        if table:
            config = Path(tmp) / "config.toml"
            config.write_text("[index]\n" + "".join(f"{k} = {json.dumps(v)}\n"
                                                    for k, v in table.items()))
        splits = ["dev", "test"] if args.split == "both" else [args.split]
        sentences = regex_sentences(bench["articles"])
        systems: list[tuple[str, int | None, Callable[[list[Question]], Ranking]]] = [
            ("ours (python -m index)" + (" *" if table else ""), len(data),
             lambda qs: run_cli(folder, qs, config)),
        ]
        if args.baseline:
            base = stack.enter_context(checkout(args.baseline))
            systems.append((f"ours at {args.baseline[:8]}" + (" *" if table else ""), None,
                            lambda qs: run_cli(folder, qs, config, base)))
        systems += [
            ("rank-bm25, lower().split()", len(sentences),
             lambda qs: bm25_baseline(sentences, qs, lambda t: t.lower().split())),
            ("rank-bm25, \\w+ tokens", len(sentences),
             lambda qs: bm25_baseline(sentences, qs, lambda t: re.findall(r"\w+", t.lower()))),
        ]
        print(f"{'system':<34} | split | questions | passages | R@1   | R@3   | MRR@10 "
              f"| abstained | seconds")
        for name, passages, run in systems:
            for split in splits:
                questions = bench[split]
                t0 = time.perf_counter()
                ranking = run(questions)
                print(row(name, split, len(questions), passages, metrics(ranking, questions),
                          time.perf_counter() - t0), flush=True)
    if table:
        print("* settings: " + " ".join(f"{k}={v}" for k, v in table.items()))
    print(f"total {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
