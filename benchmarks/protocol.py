"""The remove-articles protocol, shared by the abstention benchmark and the confidence fit.

Every 4th SQuAD article (`squad-00`, `squad-04`, …) is left out of the index. A question
about an indexed article is answerable; a question about a left-out one is not, although it
shares plenty of ordinary words with the articles that are indexed. The confidence is fitted
on the `dev` questions and reported on the `test` questions; the articles are the same for
both, the questions are not.

Systems are asked through `python -m index ask --jsonl`, as a user would ask, from a checkout
folder: this one, or a git worktree of an earlier commit (`benchmarks/worktree.py`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.squad import first_rank, write_articles  # noqa: E402

#: Every how-manieth article is left out of the index.
HELD_OUT_EVERY = 4
TOP = 10


@dataclass(frozen=True)
class Case:
    """One question with what it should get: passages (answerable) or none."""

    question: dict
    answerable: bool


@dataclass(frozen=True)
class Outcome:
    """What a system did with one question."""

    case: Case
    grade: str                    # "answer" | "unsure" | "none"
    confidence: float
    texts: list[str]              # passages shown, best first
    evidence: dict | None = None  # the features the confidence came from, when reported

    @property
    def rank(self) -> int | None:
        """1-based rank of the first passage holding the answer (answerable questions)."""
        return first_rank(self.texts, self.case.question) if self.texts else None


def held_out(articles: list[dict]) -> set[str]:
    return {a["id"] for n, a in enumerate(articles) if n % HELD_OUT_EVERY == 0}


def write_indexed(articles: list[dict], folder: Path) -> None:
    """The indexed articles (all but the held-out ones) as article files in `folder`."""
    out = held_out(articles)
    write_articles([a for a in articles if a["id"] not in out], folder)


def cases(bench: dict, split: str) -> list[Case]:
    out = held_out(bench["articles"])
    return [Case(q, q["article_id"] not in out) for q in bench[split]]


def ask(root: Path, folder: Path, cases_: list[Case], k: int = TOP) -> list[Outcome]:
    """Every question through `python -m index ask --jsonl` run in `root` (a checkout).

    An answer without a `grade` (an older checkout) is "answer" when it quotes anything."""
    cmd = [sys.executable, "-m", "index", "--quiet", "--seeds", str(folder), "ask", "--jsonl",
           "-k", str(k)]
    stdin = "".join(" ".join(c.question["question"].splitlines()) + "\n" for c in cases_)
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=root,
                          encoding="utf-8", check=True)
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(answers) != len(cases_):
        raise RuntimeError(f"asked {len(cases_)} questions, got {len(answers)} answers")
    outcomes = []
    for case, a in zip(cases_, answers):
        texts = [p["text"] for p in a["passages"]]
        grade = a.get("grade", "answer" if texts else "none")
        confidence = a.get("confidence", 1.0 if texts else 0.0)
        outcomes.append(Outcome(case, grade, float(confidence), texts, a.get("evidence")))
    return outcomes
