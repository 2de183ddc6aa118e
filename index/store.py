"""The saved index: a small JSON manifest beside a folder of `.npy` arrays (data, never code).

The arrays are memory-mapped when loaded, so a million sentences open in a moment and several
bot processes on one machine share the same pages. A save writes a new array folder, then
swaps the manifest in with one atomic rename: a reader sees the old index or the new one,
never half of one. The manifest names its folder, is versioned, and carries the fingerprint
of the articles it was built from.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from . import analysis, passages, rarity, speakers
from .articles import Article, article_files
from .scoring import DocTerms

FORMAT = "newsquote-index"
FORMAT_VERSION = 5

#: A staging folder untouched this long (seconds) was left by a save that never finished.
STALE_STAGING_SECONDS = 600

# name -> dtype of every array the index saves; `scores_*` only once a model was built.
_ARRAYS = {
    "article_start": np.int64, "kinds": np.uint8, "paragraphs": np.int32,
    "text_ptr": np.int64, "text": np.uint8, "terms": np.uint8,
    "doc_ptr": np.int64, "doc_terms": np.int32, "doc_tf": np.int32,
    "words": np.uint8, "word_terms": np.int32, "word_counts": np.int64, "word_zipf": np.uint16,
    "id_order": np.int32,
    "speaker_ptr": np.int64, "speaker_ids": np.int32,
}
_SCORE_ARRAYS = {"p_indptr": np.int64, "p_docs": np.int32, "p_contrib": np.float64,
                 "a_indptr": np.int64, "a_docs": np.int32, "a_contrib": np.float64}
#: An article's fields as the manifest lists them (asdict copies each value: 4x slower).
_ARTICLE_FIELDS = [f.name for f in fields(Article)]


class IndexFileError(ValueError):
    """The saved index cannot be used (missing, corrupt, truncated, or from another version)."""


@dataclass
class IndexData:
    """Everything the index knows, as arrays a search reads in place.

    Passage i is row i: its article is the one whose `article_start` range holds i, its text
    the utf-8 bytes `text[text_ptr[i]:text_ptr[i+1]]`. Articles keep their metadata only;
    their text lives in the passages.
    """

    fingerprint: str
    articles: list[Article]
    article_start: np.ndarray   # int64, len(articles) + 1
    kinds: np.ndarray           # uint8 codes into passages.KINDS
    paragraphs: np.ndarray      # int32, -1 outside the body
    text_ptr: np.ndarray        # int64, passages + 1
    text: np.ndarray            # uint8
    terms: list[str]            # the term of each row, in order of first appearance
    docs: DocTerms              # each passage's terms and counts
    words: list[str]            # surface words for typo correction, most frequent first
    word_terms: np.ndarray      # int32: the term row each word makes
    word_counts: np.ndarray     # int64
    word_zipf: np.ndarray       # uint16: each word's rarity in English (`rarity.centi_zipfs`)
    id_order: np.ndarray        # int32: passage rows in the sorted order of their ids
    speaker_names: list[str]    # everyone found speaking, by canonical name
    speaker_ptr: np.ndarray     # int64, passages + 1: passage i's speakers are ...
    speaker_ids: np.ndarray     # ... speaker_names[speaker_ids[speaker_ptr[i]:speaker_ptr[i+1]]]
    aliases: list[dict[str, list[str]]]  # per article: speaker -> the names it goes by there
    scores: dict[str, np.ndarray] = field(default_factory=dict)  # a built model's matrices
    score_key: tuple[float, float, float] | None = None           # ... for these k1, b, epsilon
    code: str = ""              # `code_version()` of the code that analysed the articles

    def __len__(self) -> int:
        return len(self.kinds)

    def passage_text(self, i: int) -> str:
        return self.text[self.text_ptr[i]:self.text_ptr[i + 1]].tobytes().decode("utf-8")

    def speakers(self, i: int) -> tuple[str, ...]:
        """Who speaks in passage i, main speaker first."""
        ids = self.speaker_ids[self.speaker_ptr[i]:self.speaker_ptr[i + 1]].tolist()
        return tuple(self.speaker_names[s] for s in ids)


def code_version() -> str:
    """The versions of the code that turns articles into passages, terms and speakers, and of
    the word list their words' rarities come from."""
    return (f"{FORMAT_VERSION}/{analysis.ANALYZER_VERSION}/{passages.PASSAGE_VERSION}/"
            f"{speakers.SPEAKERS_VERSION}/wordfreq-{rarity.WORDFREQ_VERSION}")


def fingerprint(folder: Path) -> str:
    """Identity of the articles and of the code that analysed them."""
    return fingerprint_of((path.name, hashlib.sha256(path.read_bytes()).digest())
                          for path in article_files(folder))


def fingerprint_of(files: Iterable[tuple[str, bytes]]) -> str:
    """`fingerprint` from each article file's name and the sha256 digest of its bytes, in
    order (a build takes them from the bytes it read)."""
    digest = hashlib.sha256()
    digest.update(code_version().encode())
    for name, file_digest in files:
        digest.update(name.encode() + b"\0")
        digest.update(file_digest)
    return digest.hexdigest()


def _lines(items: list[str]) -> np.ndarray:
    """Words and terms never hold whitespace, so a newline-joined blob keeps them apart."""
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)


def _unlines(blob: np.ndarray, count: int) -> list[str]:
    items = blob.tobytes().decode("utf-8").split("\n") if count else []
    if len(items) != count:
        raise ValueError(f"expected {count} entries, found {len(items)}")
    return items


def _arrays(data: IndexData) -> dict[str, np.ndarray]:
    arrays = {
        "article_start": data.article_start, "kinds": data.kinds, "paragraphs": data.paragraphs,
        "text_ptr": data.text_ptr, "text": data.text, "terms": _lines(data.terms),
        "doc_ptr": data.docs.ptr, "doc_terms": data.docs.terms, "doc_tf": data.docs.tf,
        "words": _lines(data.words), "word_terms": data.word_terms,
        "word_counts": data.word_counts, "word_zipf": data.word_zipf, "id_order": data.id_order,
        "speaker_ptr": data.speaker_ptr, "speaker_ids": data.speaker_ids, **data.scores,
    }
    return {name: np.ascontiguousarray(a, dtype=(_ARRAYS | _SCORE_ARRAYS)[name])
            for name, a in arrays.items()}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: Arrays written at once: a saved index at a million sentences is 800 MB in 21 files, and
#: one thread copied them into the page cache at about 600 MB/s.
WRITERS = 4


def _write_array(target: Path, array: np.ndarray) -> None:
    with open(target, "wb") as handle:
        np.save(handle, array, allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(target, 0o644)  # readable by the bot's user when another account builds it


def save(data: IndexData, path: Path) -> None:
    """Write the arrays to a new folder, then atomically point the manifest at it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f"{path.name}.arrays-"
    staging = Path(tempfile.mkdtemp(prefix=f".{prefix}", dir=path.parent))
    folder = path.parent / f"{prefix}{secrets.token_hex(6)}"
    tmp = None
    try:
        arrays = _arrays(data)
        with ThreadPoolExecutor(WRITERS) as writers:  # copying and syncing release the GIL
            list(writers.map(_write_array, [staging / f"{name}.npy" for name in arrays],
                             arrays.values()))
        os.chmod(staging, 0o755)
        os.rename(staging, folder)
        manifest = {
            "format": FORMAT, "version": FORMAT_VERSION, "fingerprint": data.fingerprint,
            "arrays": folder.name, "passages": len(data), "terms": len(data.terms),
            "words": len(data.words), "score_key": data.score_key if data.scores else None,
            "articles": [{name: getattr(a, name) for name in _ARTICLE_FIELDS}
                         for a in data.articles],
            "speaker_names": data.speaker_names, "aliases": data.aliases, "code": data.code,
        }
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # dumps, not dump: only dumps uses the C encoder (dump took 0.86 s at 20,000
            # articles, dumps 0.24 s, the same text)
            handle.write(json.dumps(manifest, ensure_ascii=False, separators=(",", ":")))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync(path.parent)
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    # Older folders go; a process that mapped one keeps its pages until it lets go. So do
    # staging folders a killed save left behind (untouched for a while: not another save's).
    for old in path.parent.glob(f"{prefix}*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    stale = time.time() - STALE_STAGING_SECONDS
    for left in path.parent.glob(f".{prefix}*"):
        with contextlib.suppress(OSError):
            if left.is_dir() and left.stat().st_mtime < stale:
                shutil.rmtree(left, ignore_errors=True)


def _load_array(folder: Path, name: str, dtype) -> np.ndarray:
    try:
        array = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
    except ValueError:  # an empty array cannot be mapped; it is also tiny
        array = np.load(folder / f"{name}.npy", allow_pickle=False)
    if array.dtype != np.dtype(dtype) or array.ndim != 1:
        raise ValueError(f"{name} is {array.dtype} with {array.ndim} dimensions")
    return array.view(np.ndarray)  # a plain array over the mapped pages


def _check_ptr(name: str, ptr: np.ndarray, count: int, end: int) -> None:
    """An offsets array: count + 1 entries from 0 to `end`, never decreasing."""
    if len(ptr) != count + 1 or ptr[0] != 0 or ptr[-1] != end or (np.diff(ptr) < 0).any():
        raise ValueError(f"{name} is not a valid offsets array")


def _check_rows(name: str, rows: np.ndarray, limit: int) -> None:
    if len(rows) and (rows.min() < 0 or rows.max() >= limit):
        raise ValueError(f"{name} points outside 0..{limit - 1}")


def load(path: Path) -> IndexData:
    """Read a saved index; raises `IndexFileError` saying what is wrong with it."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexFileError(f"no saved index at {path}")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexFileError(f"saved index {path} is corrupt or truncated ({exc})")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexFileError(f"{path} is not a {FORMAT} file")
    if type(manifest.get("version")) is not int or manifest["version"] != FORMAT_VERSION:
        raise IndexFileError(f"saved index {path} has format version {manifest.get('version')!r}, "
                             f"this program reads {FORMAT_VERSION}")
    try:
        return _read(path, manifest)
    except FileNotFoundError as exc:
        raise IndexFileError(f"saved index {path} is missing its arrays ({exc.filename})")
    except (OSError, KeyError, TypeError, ValueError, AttributeError, UnicodeDecodeError) as exc:
        raise IndexFileError(f"saved index {path} is malformed ({exc})")


def _read(path: Path, manifest: dict) -> IndexData:
    name = manifest["arrays"]
    if not (isinstance(name, str) and name.startswith(f"{path.name}.arrays-") and "/" not in name):
        raise ValueError("bad arrays folder name")
    folder = path.parent / name
    a = {n: _load_array(folder, n, t) for n, t in _ARRAYS.items()}
    key = manifest["score_key"]
    scores = {n: _load_array(folder, n, t) for n, t in _SCORE_ARRAYS.items()} if key else {}
    articles = [Article(**{**item, "paragraphs": (), "bio": ()}) for item in manifest["articles"]]
    if not isinstance(manifest["fingerprint"], str) or len({x.id for x in articles}) != len(articles):
        raise ValueError("bad fingerprint or repeated article ids")
    if not all(isinstance(x.id, str) and isinstance(x.title, str) for x in articles):
        raise ValueError("an article without a text id or title")
    n, n_articles = int(manifest["passages"]), len(articles)
    terms = _unlines(a["terms"], int(manifest["terms"]))
    words = _unlines(a["words"], int(manifest["words"]))
    _check_ptr("article_start", a["article_start"], n_articles, n)
    if n_articles and (np.diff(a["article_start"]) <= 0).any():
        raise ValueError("an article without passages")
    _check_ptr("text_ptr", a["text_ptr"], n, len(a["text"]))
    _check_ptr("doc_ptr", a["doc_ptr"], n, len(a["doc_terms"]))
    for column in ("kinds", "paragraphs", "id_order"):
        if len(a[column]) != n:
            raise ValueError(f"{column} has {len(a[column])} rows, not {n}")
    _check_rows("kinds", a["kinds"], len(passages.KINDS))
    _check_rows("doc_terms", a["doc_terms"], len(terms))
    if len(a["doc_tf"]) != len(a["doc_terms"]) or (len(a["doc_tf"]) and a["doc_tf"].min() < 1):
        raise ValueError("doc_tf does not match doc_terms")
    if any(len(a[column]) != len(words) for column in ("word_terms", "word_counts", "word_zipf")):
        raise ValueError("word columns differ in length")
    _check_rows("word_terms", a["word_terms"], len(terms))
    if len(words) and a["word_zipf"].max() > 100 * rarity.ZIPF_TOP:
        raise ValueError("word_zipf holds a rarity off wordfreq's scale")
    if not np.array_equal(np.bincount(a["id_order"], minlength=n), np.ones(n, dtype=np.int64)):
        raise ValueError("id_order is not an ordering of the passages")
    names, aliases = manifest["speaker_names"], manifest["aliases"]
    _check_ptr("speaker_ptr", a["speaker_ptr"], n, len(a["speaker_ids"]))
    _check_rows("speaker_ids", a["speaker_ids"], len(names))
    if not (all(isinstance(x, str) for x in names) and isinstance(aliases, list)
            and len(aliases) == n_articles
            and all(isinstance(d, dict) and all(isinstance(f, list) and all(
                isinstance(x, str) for x in f) for f in d.values()) for d in aliases)):
        raise ValueError("bad speaker names or aliases")
    if key:
        key = tuple(float(v) for v in key)
        if len(key) != 3:
            raise ValueError("bad score_key")
        for prefix, rows, docs in (("p", len(terms), n), ("a", len(terms), n_articles)):
            _check_ptr(f"{prefix}_indptr", scores[f"{prefix}_indptr"], rows,
                       len(scores[f"{prefix}_docs"]))
            _check_rows(f"{prefix}_docs", scores[f"{prefix}_docs"], docs)
            if len(scores[f"{prefix}_contrib"]) != len(scores[f"{prefix}_docs"]):
                raise ValueError(f"{prefix}_contrib does not match {prefix}_docs")
    return IndexData(manifest["fingerprint"], articles, a["article_start"], a["kinds"],
                     a["paragraphs"], a["text_ptr"], a["text"], terms,
                     DocTerms(a["doc_ptr"], a["doc_terms"], a["doc_tf"]), words,
                     a["word_terms"], a["word_counts"], a["word_zipf"], a["id_order"], names,
                     a["speaker_ptr"], a["speaker_ids"], aliases, scores, key,
                     str(manifest.get("code", "")))
