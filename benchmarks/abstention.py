"""Answer, unsure or none: how the confidence separates answerable from unanswerable questions.

Usage (from the repo root):
    python benchmarks/abstention.py ../shared/bench/squad_sentqa.json [--baseline REV]
           [--split test|dev]

The remove-articles protocol (`benchmarks/protocol.py`): 36 of SQuAD's 48 articles are
indexed; questions about them are answerable, questions about the 12 left out are not. The
confidence model (`index/confidence.json`) was fitted on `dev` by `benchmarks/fit_confidence.py`;
the default split here is `test`, which no rule or threshold has seen. `--baseline REV` runs
an earlier commit of this repository (a git worktree) on the same questions in the same run.

Then the project's own hand-written questions over the seed articles are reported, as what
they are: questions earlier rules were tuned on, a description and not evidence.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.protocol import Case, Outcome, ask, cases, write_indexed  # noqa: E402
from benchmarks.worktree import checkout  # noqa: E402

OWN_QUESTIONS = [ROOT / "tests" / "data" / "seed_questions.json",
                 ROOT / "tests" / "data" / "calibration_questions.json"]
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
GRADES = ("answer", "unsure", "none")


def roc_auc(scores: list[float], positive: list[bool]) -> float:
    """The chance a random answerable question scores above a random unanswerable one (ties
    count half): the Mann-Whitney statistic."""
    s = np.asarray(scores, dtype=float)
    pos = np.asarray(positive, dtype=bool)
    if pos.all() or not pos.any():
        return float("nan")
    order = s.argsort(kind="stable")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    for value in np.unique(s):  # ties share their mean rank
        tied = s == value
        ranks[tied] = ranks[tied].mean()
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def summary(outcomes: list[Outcome]) -> dict[str, float]:
    pos = [o for o in outcomes if o.case.answerable]
    neg = [o for o in outcomes if not o.case.answerable]
    ranks = [o.rank for o in pos]
    n = max(1, len(pos))
    out = {f"pos_{g}": sum(o.grade == g for o in pos) / n for g in GRADES}
    out |= {f"neg_{g}": sum(o.grade == g for o in neg) / max(1, len(neg)) for g in GRADES}
    out |= {"r1": sum(r == 1 for r in ranks) / n,
            "r3": sum(r is not None and r <= 3 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r) / n,
            "auc": roc_auc([o.confidence for o in outcomes], [o.case.answerable for o in outcomes]),
            "n_pos": len(pos), "n_neg": len(neg)}
    raw = [o.evidence["bm25"] if o.evidence else 0.0 for o in outcomes]
    if any(o.evidence for o in outcomes):
        out["auc_raw"] = roc_auc(raw, [o.case.answerable for o in outcomes])
    return out


def tradeoff(outcomes: list[Outcome]) -> list[tuple[float, float, float]]:
    """(threshold, answerable answered, unanswerable answered) at each threshold."""
    pos = np.array([o.confidence for o in outcomes if o.case.answerable])
    neg = np.array([o.confidence for o in outcomes if not o.case.answerable])
    return [(t, float((pos >= t).mean()), float((neg >= t).mean())) for t in THRESHOLDS]


def own_questions(root: Path) -> list[Case]:
    out = []
    for path in OWN_QUESTIONS:
        for q in json.loads(path.read_text(encoding="utf-8"))["questions"]:
            q = {"question": q["q"], "answer_text": q["gold"][0] if q["gold"] else "",
                 "alt_answers": q["gold"][1:], "kind": f"{path.stem}/{q['kind']}"}
            out.append(Case(q, q["kind"].rsplit("/", 1)[1] != "negative"))
    return out


def print_own(name: str, outcomes: list[Outcome]) -> None:
    table: dict[str, Counter] = {}
    for o in outcomes:
        c = table.setdefault(o.case.question["kind"], Counter())
        c[o.grade] += 1
        c["n"] += 1
        if o.case.answerable and o.rank is not None and o.rank <= 3:
            c["top3"] += 1
    for kind, c in sorted(table.items()):
        top3 = f"{c['top3']:>4}" if not kind.endswith("negative") else "   -"
        print(f"  {name:<10} {kind:<36} {c['n']:>3} | {c['answer']:>6} | {c['unsure']:>6} | "
              f"{c['none']:>4} | {top3}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="squad_sentqa.json")
    parser.add_argument("--split", choices=["dev", "test"], default="test")
    parser.add_argument("--baseline", metavar="REV",
                        help="also run this git revision of the project, in the same run")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    bench = json.loads(args.bench.read_text(encoding="utf-8"))
    questions = cases(bench, args.split)
    systems = [("ours", None)] + ([(f"base {args.baseline[:8]}", args.baseline)]
                                  if args.baseline else [])
    results: dict[str, tuple[list[Outcome], list[Outcome]]] = {}
    with tempfile.TemporaryDirectory(prefix="abstention-") as tmp:
        folder = Path(tmp) / "seeds"
        folder.mkdir()
        write_indexed(bench["articles"], folder)
        for name, rev in systems:
            with checkout(rev) as root:
                results[name] = (ask(root, folder, questions),
                                 ask(root, root / "seeds", own_questions(root), k=3))
    kind = "report: never tuned on" if args.split == "test" else "dev: the fit's own questions"
    n_pos = sum(c.answerable for c in questions)
    print(f"remove-articles protocol, split {args.split} ({kind}): {n_pos} answerable, "
          f"{len(questions) - n_pos} unanswerable\n")
    print(f"{'system':<14} | answerable: answer | unsure | none  | unanswerable: answer | unsure "
          f"| none  | R@1   | R@3   | MRR@10 | AUC")
    for name, (outcomes, _) in results.items():
        m = summary(outcomes)
        print(f"{name:<14} | {m['pos_answer']:>18.1%} | {m['pos_unsure']:>6.1%} | "
              f"{m['pos_none']:>5.1%} | {m['neg_answer']:>20.1%} | {m['neg_unsure']:>6.1%} | "
              f"{m['neg_none']:>5.1%} | {m['r1']:.3f} | {m['r3']:.3f} | {m['mrr']:.3f}  | "
              f"{m['auc']:.3f}")
        if "auc_raw" in m:
            print(f"{'':<14}   (the best passage's BM25 score alone: AUC {m['auc_raw']:.3f})")
    print("\ntrade-off: share graded at least this confident, answerable / unanswerable")
    for name, (outcomes, _) in results.items():
        if len({o.confidence for o in outcomes}) > 2:
            print(f"  {name}: " + "  ".join(f"{t:.1f}: {p:.1%} / {n:.1%}"
                                            for t, p, n in tradeoff(outcomes)))
    print("\nthe project's own questions over the seed articles (tuned on: a description, not "
          "evidence)")
    print(f"  {'system':<10} {'file/kind':<36} {'n':>3} | answer | unsure | none | top3")
    for name, (_, own) in results.items():
        print_own(name, own)
    print(f"\ntotal {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
