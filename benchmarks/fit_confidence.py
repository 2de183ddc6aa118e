"""Fit the answer confidence on SQuAD `dev` and write `index/confidence.json`.

Usage (from the repo root):
    python benchmarks/fit_confidence.py ../shared/bench/squad_sentqa.json
           [--false-answer 0.13] [--refused 0.0025] [--out index/confidence.json]

The remove-articles protocol (`benchmarks/protocol.py`) gives answerable questions (about
indexed articles) and unanswerable ones (about the articles left out). Every `dev` question
is searched in-process and its evidence (`index.confidence.Evidence`) collected; a logistic
regression (numpy, Newton's method, a little L2) learns answerable from unanswerable. How
much rarer words should outweigh common ones (`word_power`) is chosen among a few powers by
5-fold cross-validation on `dev`: the power whose held-out confidence answers the most
answerable questions at the stated false-answer rate. Two thresholds are then chosen on the
same `dev` questions:

- `answer_at`: the lowest confidence at which at most `--false-answer` of the unanswerable
  questions are graded "answer";
- `none_below`: the highest confidence under which at most `--refused` of the answerable
  questions fall (and so get no passage at all).

Both are read off cross-validated confidences (each question scored by a model fitted without
it), which estimate how the model does on new questions better than its own fitting data.

`test` is never read here: `benchmarks/abstention.py` reports on it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.protocol import TOP, cases, write_indexed  # noqa: E402
from index.build import build_data  # noqa: E402
from index.confidence import MODEL_FILE, ConfidenceModel, Evidence  # noqa: E402
from index.model import SearchIndex  # noqa: E402
from index.search import QuestionError, search  # noqa: E402
from index.settings import IndexSettings  # noqa: E402

#: L2 penalty on the standardised weights: keeps the fit stable when features correlate.
L2 = 1e-2
#: The word powers tried, and how many folds choose among them.
POWERS = (1.0, 1.5, 2.0, 3.0)
FOLDS = 5


@dataclass
class Collected:
    """The evidence of every question that found a passage (one with none at all is graded
    "none" without the model), as feature rows."""

    names: list[str]
    ids: list[str]
    evidence: list[Evidence]
    x: np.ndarray
    y: np.ndarray        # 1 answerable, 0 not


def collect(bench: dict, split: str, powers: tuple[float, ...]) -> dict[float, Collected]:
    """The evidence of `split`'s questions under each word power."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="fit-") as tmp:
        folder = Path(tmp) / "seeds"
        folder.mkdir()
        write_indexed(bench["articles"], folder)
        data, _ = build_data(folder)
        index = SearchIndex(data, IndexSettings(seeds=folder))
        index.warm()
        for power in powers:
            ids, evidence, labels = [], [], []
            for case in cases(bench, split):
                try:
                    found = search(index, case.question["question"], TOP,
                                   model=_quote_all(power)).evidence
                except QuestionError:
                    continue
                if found is not None:
                    ids.append(case.question["id"])
                    evidence.append(found)
                    labels.append(case.answerable)
            names = list(evidence[0].features())
            x = np.array([[e.features()[n] for n in names] for e in evidence], dtype=float)
            out[power] = Collected(names, ids, evidence, x, np.array(labels, dtype=float))
    return out


def standardised(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def predict(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, w: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(((x - mean) / scale) @ w[:-1] + w[-1])))


def cross_validated(x: np.ndarray, y: np.ndarray, folds: int = FOLDS) -> np.ndarray:
    """Each question's confidence from a model fitted without its fold."""
    order = np.random.default_rng(0).permutation(len(y))
    conf = np.zeros(len(y))
    for f in range(folds):
        held = order[f::folds]
        fit = np.setdiff1d(order, held)
        mean, scale = standardised(x[fit])
        conf[held] = predict(x[held], mean, scale, fit_logistic((x[fit] - mean) / scale, y[fit]))
    return conf


def answered_at(conf: np.ndarray, y: np.ndarray, false_answer: float) -> float:
    """Share of answerable questions at or above the threshold that keeps unanswerable ones
    at `false_answer`."""
    answer_at, _ = thresholds(conf, y, false_answer, 0.0)
    return float((conf[y == 1] >= answer_at).mean())


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> np.ndarray:
    """Weights (bias last) of an L2-regularised logistic regression, by Newton's method."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = np.eye(xb.shape[1]) * l2 * len(x)
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + penalty @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w


def thresholds(conf: np.ndarray, y: np.ndarray, false_answer: float, refused: float
               ) -> tuple[float, float]:
    """(answer_at, none_below) as the module docstring defines them."""
    neg = np.sort(conf[y == 0])
    pos = np.sort(conf[y == 1])
    allowed = int(np.floor(false_answer * len(neg)))  # negatives that may reach answer_at
    if allowed == 0:
        answer_at = float(np.nextafter(neg[-1], 1.0))
    elif allowed >= len(neg):
        answer_at = 0.0
    else:  # halfway between the highest negative kept below and the lowest let through
        answer_at = float((neg[-allowed - 1] + neg[-allowed]) / 2)
    below = int(np.floor(refused * len(pos)))        # positives that may fall under none_below
    none_below = float((pos[below - 1] + pos[below]) / 2) if below else float(pos[0]) * 0.5
    return answer_at, min(none_below, answer_at)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="squad_sentqa.json")
    parser.add_argument("--false-answer", type=float, default=0.13,
                        help="share of dev's unanswerable questions that may be graded answer")
    parser.add_argument("--refused", type=float, default=0.0025,
                        help="share of dev's answerable questions that may be graded none")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    bench = json.loads(args.bench.read_text(encoding="utf-8"))
    collected = collect(bench, "dev", POWERS)
    print(f"{FOLDS}-fold cross-validation on dev: answerable questions graded answer when "
          f"{args.false_answer:.0%} of unanswerable ones are")
    held_out: dict[float, float] = {}
    for power, c in collected.items():
        held_out[power] = answered_at(cross_validated(c.x, c.y), c.y, args.false_answer)
        print(f"  word power {power:g}: {held_out[power]:.1%}")
    power = max(held_out, key=lambda p: (held_out[p], -abs(p - 1.0)))
    c = collected[power]
    mean, scale = standardised(c.x)
    w = fit_logistic((c.x - mean) / scale, c.y)
    conf = cross_validated(c.x, c.y)  # as on questions the model has not seen
    answer_at, none_below = thresholds(conf, c.y, args.false_answer, args.refused)
    n_pos = int(c.y.sum())
    model = ConfidenceModel(
        power, tuple(c.names), tuple(mean.round(8).tolist()), tuple(scale.round(8).tolist()),
        tuple(w[:-1].round(8).tolist()), round(float(w[-1]), 8), round(answer_at, 8),
        round(none_below, 8),
        {"by": "benchmarks/fit_confidence.py", "data": args.bench.name, "split": "dev",
         "protocol": "remove-articles (every 4th article left out)",
         "questions": {"answerable": n_pos, "unanswerable": len(c.y) - n_pos},
         "false_answer_rate": args.false_answer, "refused_rate": args.refused, "l2": L2,
         "word_powers_tried": {str(p): round(v, 4) for p, v in held_out.items()},
         "date": datetime.date.today().isoformat()})
    fitted = predict(c.x, np.array(model.mean), np.array(model.scale),
                     np.array([*model.weights, model.bias]))
    model.fitted["checks"] = _checks(model, c, fitted)
    args.out.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    print(f"chose word power {power:g}; dev: {n_pos} answerable, {len(c.y) - n_pos} unanswerable")
    for name, weight in sorted(zip(c.names, w[:-1]), key=lambda nw: -abs(nw[1])):
        print(f"  {name:<14} {weight:+.3f}")
    pos, neg = conf[c.y == 1], conf[c.y == 0]
    print(f"on dev, cross-validated: answer_at {answer_at:.4f} answers "
          f"{(pos >= answer_at).mean():.1%} of answerable, {(neg >= answer_at).mean():.1%} of "
          f"unanswerable; none_below {none_below:.4f} refuses {(pos < none_below).mean():.1%} "
          f"of answerable, {(neg < none_below).mean():.1%} of unanswerable")
    print(f"wrote {args.out}")
    return 0


def _checks(model: ConfidenceModel, c: Collected, fitted: np.ndarray, n: int = 8) -> list[dict]:
    """A few dev questions (by SQuAD id) with their evidence and the confidence and grade the
    fit gave them, spread over the range of confidence: the tests check that the model loaded
    from JSON reproduces them."""
    order = np.argsort(fitted)
    picks = order[np.linspace(0, len(order) - 1, n).round().astype(int)]
    return [{"id": c.ids[i], "answerable": bool(c.y[i]), "evidence": asdict(c.evidence[i]),
             "confidence": round(float(fitted[i]), 10),
             "grade": model.grade(float(fitted[i]), c.evidence[i])} for i in picks.tolist()]


def _quote_all(power: float) -> ConfidenceModel:
    """A model that quotes every passage found (confidence 0.5, every grade "answer"), so that
    fitting sees the evidence of every question whatever the shipped model would say."""
    names = tuple(Evidence(*[0.0] * len(fields(Evidence))).features())
    n = len(names)
    return ConfidenceModel(power, names, (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, 0.0, 0.0, {})


if __name__ == "__main__":
    sys.exit(main())
