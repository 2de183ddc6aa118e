"""Score sentence splitters on the English "golden rules" cases.

Usage (from the repo root):
    python benchmarks/golden_rules.py ../shared/eval/golden_rules_en.json [--verbose]

Prints, from one run, plain nltk Punkt with NLTK's English tables (the
baseline) and our index.sentences.split_sentences, each as N/total. A case
passes when the stripped sentences equal the expected list exactly.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer  # noqa: E402
from punkt.data import english  # noqa: E402

from index.sentences import split_sentences  # noqa: E402

Splitter = Callable[[str], list[str]]
Case = dict  # {"text": str, "expected": list[str]}


def load_cases(path: str) -> list[Case]:
    """The cases of a golden rules JSON file."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)["cases"]


def baseline_splitter() -> Splitter:
    """nltk Punkt with the plain English punkt_tab tables and nothing else."""
    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context = defaultdict(int, english.ORTHO_CONTEXT)
    return PunktSentenceTokenizer(params).tokenize


def failures(split: Splitter, cases: list[Case]) -> list[tuple[Case, list[str]]]:
    """Each failing case with what the splitter produced."""
    failed = []
    for case in cases:
        got = [s.strip() for s in split(case["text"])]
        if got != case["expected"]:
            failed.append((case, got))
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", help="golden rules JSON file")
    parser.add_argument("--verbose", action="store_true", help="list our failing cases")
    args = parser.parse_args(argv)

    cases = load_cases(args.cases)
    total = len(cases)
    base_failed = failures(baseline_splitter(), cases)
    ours_failed = failures(split_sentences, cases)
    print(f"baseline (nltk Punkt, English tables): {total - len(base_failed)}/{total}")
    print(f"ours (index.sentences.split_sentences): {total - len(ours_failed)}/{total}")
    if args.verbose:
        for case, got in ours_failed:
            print(f"\nFAIL: {case['text']}")
            print(f"  expected: {case['expected']}")
            print(f"  got:      {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
