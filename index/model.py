"""The in-memory index: passages, their BM25 scores, and the lookups search needs."""

from __future__ import annotations

import bisect

import numpy as np

from .articles import Article
from .passages import Passage
from .scoring import Scorer, build_matrix
from .settings import IndexSettings
from .store import IndexData


class SearchIndex:
    """BM25 over passages (rank-bm25's BM25Okapi defines the score), plus BM25 over whole articles.

    The article model lets a sentence borrow evidence from the article it stands in: a
    question about "the Panthers' defense" should prefer sentences of the Super Bowl article.
    """

    def __init__(self, data: IndexData, settings: IndexSettings):
        self.data = data
        self.settings = settings
        self.passages: list[Passage] = data.passages
        self.articles: dict[str, Article] = {a.id: a for a in data.articles}
        self.by_id: dict[str, int] = {p.id: i for i, p in enumerate(self.passages)}
        self.sorted_ids: list[str] = sorted(self.by_id)  # for prefix lookups as people type
        self.counts: dict[str, int] = {}
        self.bylines: dict[str, int] = {}  # article id -> its byline passage
        for i, p in enumerate(self.passages):
            self.counts[p.article_id] = self.counts.get(p.article_id, 0) + 1
            if p.kind == "byline":
                self.bylines[p.article_id] = i
        self.vocabulary: dict[str, list] = data.words
        self.words_by_frequency: list[str] = list(data.words)  # saved most frequent first
        self.words_by_letter: dict[str, list[str]] = {}  # typo correction keeps the first letter
        for word in self.words_by_frequency:
            self.words_by_letter.setdefault(word[:1], []).append(word)
        self.scorer = Scorer(build_matrix(data.terms, settings.k1, settings.b, settings.epsilon))
        self.article_ids: list[str] = [a.id for a in data.articles]
        row = {a: i for i, a in enumerate(self.article_ids)}
        self.article_row = np.array([row[p.article_id] for p in self.passages], dtype=np.int64)
        article_terms: dict[str, list[str]] = {a: [] for a in self.article_ids}
        for passage, terms in zip(self.passages, data.terms):
            article_terms[passage.article_id].extend(terms)
        self.article_scorer = Scorer(build_matrix(list(article_terms.values()), settings.k1,
                                                  0.75, settings.epsilon))
        # Neighbours within the same article, -1 where there is none.
        n = len(self.passages)
        same_prev = [i > 0 and self.passages[i - 1].article_id == self.passages[i].article_id
                     for i in range(n)]
        self.prev = np.array([i - 1 if same_prev[i] else -1 for i in range(n)], dtype=np.int64)
        self.next = np.array([i + 1 if i + 1 < n and same_prev[i + 1] else -1 for i in range(n)],
                             dtype=np.int64)

    def __len__(self) -> int:
        return len(self.passages)

    def has_term(self, term: str) -> bool:
        return term in self.scorer.matrix.terms

    def bm25_scores(self, terms: list[str]) -> np.ndarray:
        """Every passage's score: exactly `BM25Okapi(passage terms).get_scores(terms)`."""
        return self.scorer.scores(terms)

    def article_scores(self, terms: list[str]) -> np.ndarray:
        return self.article_scorer.scores(terms)

    def best(self, terms: list[str], k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(passages, ranking scores, BM25 scores) of the k best passages for these terms.

        The ranking score adds to a passage's BM25 score a share of its neighbours' and of its
        whole article's; only passages holding a query term are ranked.
        """
        s = self.settings
        articles = self.article_scores(terms) if s.article_weight else np.zeros(len(self.article_ids))
        return self.scorer.top(terms, k, self.prev, self.next, self.article_row, articles,
                               s.context_weight, s.article_weight)

    def term_rows(self, terms: set[str]) -> dict[int, str]:
        """The matrix rows of these terms (unknown terms have none)."""
        rows = self.scorer.matrix.terms
        return {rows[t]: t for t in terms if t in rows}

    def terms_in(self, i: int, rows: dict[int, str]) -> set[str]:
        """Which of the terms behind `rows` passage i holds."""
        return {rows[r] for r in self.scorer.matrix.term_rows(i) if r in rows}

    def passage(self, passage_id: str) -> Passage | None:
        index = self.by_id.get(passage_id)
        return None if index is None else self.passages[index]

    def lookup(self, some_id: str) -> tuple[Passage | None, Article | None]:
        """What a typed id names: (passage, its article), (None, article), or (None, None)."""
        some_id = some_id.strip().casefold()
        passage = self.passage(some_id)
        return passage, self.articles.get(passage.article_id if passage else some_id)

    def ids_starting(self, prefix: str, limit: int) -> list[str]:
        """Passage ids beginning with `prefix`, in sorted order, at most `limit`."""
        start = bisect.bisect_left(self.sorted_ids, prefix)
        found = []
        for some_id in self.sorted_ids[start:start + limit]:
            if not some_id.startswith(prefix):
                break
            found.append(some_id)
        return found

    def passage_count(self, article_id: str) -> int:
        return self.counts.get(article_id, 0)

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> tuple[list[Passage], list[Passage]]:
        """Passages just before and after, within the same article."""
        i = self.by_id[passage.id]
        lo, hi = i, i
        while lo > 0 and i - lo < before and self.passages[lo - 1].article_id == passage.article_id:
            lo -= 1
        while (hi + 1 < len(self.passages) and hi - i < after
               and self.passages[hi + 1].article_id == passage.article_id):
            hi += 1
        return self.passages[lo:i], self.passages[i + 1:hi + 1]

