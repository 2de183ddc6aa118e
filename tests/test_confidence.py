"""The fitted confidence: loaded from its JSON, it gives the fit's own numbers and grades."""

import json
from dataclasses import replace

import numpy as np
import pytest

from benchmarks.fit_confidence import fit_logistic, thresholds
from index.confidence import MODEL_FILE, ConfidenceModel, Evidence, default_model
from index.search import search

FITTED = json.loads(MODEL_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("check", FITTED["fitted"]["checks"], ids=lambda c: c["id"])
def test_the_model_from_json_reproduces_the_fits_decisions(check):
    model = default_model()
    evidence = Evidence(**check["evidence"])
    assert model.confidence(evidence) == pytest.approx(check["confidence"], abs=1e-8)
    assert model.grade(model.confidence(evidence), evidence) == check["grade"]


def test_the_checks_cover_every_grade_the_fit_gives():
    grades = {c["grade"] for c in FITTED["fitted"]["checks"]}
    assert {"answer", "none"} <= grades
    assert {c["answerable"] for c in FITTED["fitted"]["checks"]} == {True, False}


def test_the_model_says_how_it_was_fitted():
    fitted = default_model().fitted
    assert fitted["split"] == "dev" and fitted["by"] == "benchmarks/fit_confidence.py"
    assert 0 < default_model().none_below < default_model().answer_at < 1


def test_a_model_file_that_does_not_match_the_evidence_is_refused():
    data = dict(FITTED, features=FITTED["features"][:-1], weights=FITTED["weights"][:-1])
    with pytest.raises(ValueError, match="refit"):
        ConfidenceModel.from_json(data)


def test_grades_follow_the_thresholds_and_the_two_rules():
    model = default_model()
    sure = Evidence(**FITTED["fitted"]["checks"][-1]["evidence"])
    assert model.grade(model.answer_at, sure) == "answer"
    assert model.grade((model.answer_at + model.none_below) / 2, sure) == "unsure"
    assert model.grade(model.none_below / 2, sure) == "none"
    assert model.grade(1.0, replace(sure, unknown=0.6)) == "none"      # mostly unknown words
    assert model.grade(1.0, replace(sure, type_missing=1.0)) == "none"  # "how many", no number


def test_search_reports_the_confidence_the_model_gives(seed_index):
    answer = search(seed_index, "How many Palestinians are in Rafah?")
    assert answer.grade == "answer"
    assert answer.confidence == default_model().confidence(answer.evidence)


def test_logistic_regression_recovers_a_known_rule():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2000, 2))
    y = (rng.random(2000) < 1 / (1 + np.exp(-(2 * x[:, 0] - 1)))).astype(float)
    w = fit_logistic(x, y, l2=0.0)
    assert w[0] == pytest.approx(2, abs=0.3) and abs(w[1]) < 0.3 and w[2] == pytest.approx(-1, abs=0.3)


def test_thresholds_keep_the_stated_rates():
    conf = np.linspace(0, 1, 1001)
    y = (conf > 0.3).astype(float)          # answerable above 0.3, unanswerable below
    y[::10] = 1 - y[::10]                   # with some noise either way
    answer_at, none_below = thresholds(conf, y, false_answer=0.1, refused=0.01)
    neg, pos = conf[y == 0], conf[y == 1]
    assert (neg >= answer_at).mean() <= 0.1 and (pos < none_below).mean() <= 0.01
    assert none_below <= answer_at


@pytest.mark.parametrize("question", ["ceasefire", "What did Gallant ask the US for?",
                                      "Who is the Israeli ambassador to the United States?"])
def test_the_confidence_does_not_depend_on_how_many_passages_are_asked_for(seed_index, question):
    assert len({search(seed_index, question, k).confidence for k in (1, 3, 10, 25)}) == 1
