"""How sure an answer is: evidence about the best passage, combined by a fitted model.

The evidence is measured, the combination is fitted: `benchmarks/fit_confidence.py` fits a
logistic regression on SQuAD `dev` questions (answerable ones, and ones about articles left
out of the index) and writes its coefficients and thresholds to `confidence.json` beside this
file. Nothing here is tuned by hand; refit after changing what the evidence measures.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("confidence.json")

#: The answer grades, most confident first.
ANSWER, UNSURE, NONE = "answer", "unsure", "none"


@dataclass(frozen=True)
class Evidence:
    """What the best passage shows about whether it answers the question. Shares are of the
    question's weight: each word weighs by how rare it is in English (`rarity.rarity`), raised
    to the model's `word_power` (fitted: rarer words tell more than in proportion)."""

    bm25: float          # the best passage's BM25 score
    bm25_share: float    # that score over the most any passage could score for these words
    cover: float         # share of the question's weight the passage holds
    cover_near: float    # ... the passage and the sentences beside it hold
    cover_idf: float     # as cover_near, each word weighing by its idf in the articles
    cover_best: float    # the best cover_near among the ten best passages
    unknown: float       # share of the question the articles never use (typos corrected)
    missed_key: float    # the weightiest word the passage and its neighbours lack, over the
                         # question's weightiest word (1: its most telling word is missing)
    missing_weight: float  # the weight (rarity) of the question's words the passage lacks
    article_cover: float  # share of the question the best passage's whole article holds
    spread: float        # how many articles the ten best passages come from, over how many
                         # they could come from
    gap: float           # how far the best passage of any other article (among the best
                         # `search.RIVALS`) scores below it (0-1)
    type_missing: float  # 1 when a "how many" / "when" question finds no passage with a
                         # number or a time (a rule, not a feature: see `grade`)
    terms: float         # how many distinct words the question searched for

    def features(self) -> dict[str, float]:
        return {"log_bm25": math.log1p(self.bm25),
                "log_missing": math.log1p(self.missing_weight),
                **{k: v for k, v in vars(self).items()  # floats: asdict would copy them
                   if k not in ("bm25", "terms", "missing_weight", "type_missing")},
                "log_terms": math.log(max(1.0, self.terms))}


@dataclass(frozen=True)
class ConfidenceModel:
    """A logistic regression over standardised features, and where its grades change."""

    word_power: float     # a word weighs its English rarity to this power
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    answer_at: float      # confidence from which the passages are quoted as an answer
    none_below: float     # confidence under which nothing is quoted
    fitted: dict          # how and on what it was fitted, for the record

    def confidence(self, evidence: Evidence) -> float:
        x = evidence.features()
        z = self.bias + sum(w * (x[f] - m) / s for f, m, s, w in
                            zip(self.features, self.mean, self.scale, self.weights))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def grade(self, confidence: float, evidence: Evidence) -> str:
        """answer, unsure or none. Whatever the confidence, two questions get none: one whose
        words the articles never use outweigh those they do ("the weather in Paris": the
        articles are not about what it asks), and one asking how many or when that no passage
        found holds a number or a time for."""
        if evidence.unknown > 0.5 or evidence.type_missing or confidence < self.none_below:
            return NONE
        return ANSWER if confidence >= self.answer_at else UNSURE

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ConfidenceModel":
        """Check the file names every feature the evidence has, and only those."""
        names = set(Evidence(*[0.0] * len(fields(Evidence))).features())
        if set(data["features"]) != names or len(data["features"]) != len(data["weights"]):
            raise ValueError(f"{MODEL_FILE.name} does not match the evidence: refit it with "
                             "benchmarks/fit_confidence.py")
        return cls(float(data["word_power"]), tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]),
                   tuple(data["weights"]), float(data["bias"]), float(data["answer_at"]),
                   float(data["none_below"]), dict(data.get("fitted", {})))


@lru_cache(maxsize=1)
def default_model() -> ConfidenceModel:
    """The fitted model shipped with the package."""
    return ConfidenceModel.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
