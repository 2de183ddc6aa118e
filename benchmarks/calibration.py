"""When to stay silent: false-answer and false-abstain rates over the seed articles.

Asks every question of tests/data/seed_questions.json and tests/data/calibration_questions.json
(hand-written: unanswerable questions that share words with the articles, and answerable
ones) and prints, per file and kind, how many were answered in the top 3, abstained on, or
answered although the articles do not answer them. `--set KEY=VALUE` tries other [index]
settings, e.g. `--set min_coverage=0.6`.

    python benchmarks/calibration.py [--set min_coverage=0.6] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.build import open_index  # noqa: E402
from index.search import search  # noqa: E402
from index.settings import IndexSettings  # noqa: E402

FILES = [ROOT / "tests" / "data" / "seed_questions.json",
         ROOT / "tests" / "data" / "calibration_questions.json"]


def fold(text: str) -> str:
    """Compare as seed_questions.json says: case-folded, curly quotes straight, spaces collapsed."""
    table = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
    return " ".join(text.translate(table).casefold().split())


def outcome(index, question: dict, k: int = 3) -> str:
    """answered | wrong | abstained (answerable) or silent | false answer (negative)."""
    hits = search(index, question["q"], k).hits
    if question["kind"] == "negative":
        return "false answer" if hits else "silent"
    if not hits:
        return "abstained"
    gold = [fold(g) for g in question["gold"]]
    return "answered" if any(g in fold(h.passage.text) for h in hits for g in gold) else "wrong"


def evaluate(index, files=FILES) -> dict[str, Counter]:
    """Counts of outcomes per file and kind."""
    table: dict[str, Counter] = {}
    for path in files:
        for q in json.loads(path.read_text(encoding="utf-8"))["questions"]:
            table.setdefault(f"{path.stem}/{q['kind']}", Counter())[outcome(index, q)] += 1
    return table


def rates(table: dict[str, Counter]) -> tuple[float, float, int, int]:
    """(false-answer rate on negatives, false-abstain rate on answerable), with their counts."""
    neg = sum((c for k, c in table.items() if k.endswith("/negative")), Counter())
    pos = sum((c for k, c in table.items() if not k.endswith("/negative")), Counter())
    n_neg, n_pos = sum(neg.values()), sum(pos.values())
    return neg["false answer"] / max(n_neg, 1), pos["abstained"] / max(n_pos, 1), n_neg, n_pos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--show", action="store_true", help="list every question not right")
    args = parser.parse_args(argv)
    settings = IndexSettings(seeds=ROOT / "seeds")
    for item in args.set:
        key, _, value = item.partition("=")
        settings = replace(settings, **{key: type(getattr(settings, key))(value)})
    index, _ = open_index(settings, save_index=False)
    table = evaluate(index)
    print(f"{'file/kind':<34} | answered top 3 | wrong | abstained | silent | false answer")
    for key, c in sorted(table.items()):
        print(f"{key:<34} | {c['answered']:>14} | {c['wrong']:>5} | {c['abstained']:>9} | "
              f"{c['silent']:>6} | {c['false answer']:>12}")
    false_answer, false_abstain, n_neg, n_pos = rates(table)
    print(f"\nfalse-answer rate {false_answer:.1%} of {n_neg} negatives; "
          f"false-abstain rate {false_abstain:.1%} of {n_pos} answerable")
    if args.show:
        for path in FILES:
            for q in json.loads(path.read_text(encoding="utf-8"))["questions"]:
                result = outcome(index, q)
                if result not in ("answered", "silent"):
                    print(f"  {result:<12} {q['kind']:<11} {q['q']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
