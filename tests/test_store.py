import json
import logging
import os
import shutil
import time
from dataclasses import replace

import numpy as np
import pytest

from index import store
from index.build import open_index
from index.model import SearchIndex
from index.store import IndexFileError


@pytest.fixture
def settings(seed_settings, seeds_copy, tmp_path):
    return replace(seed_settings, seeds=seeds_copy, index_path=tmp_path / "out" / "index.json")


def _folder(settings):
    return settings.index_path.parent / json.loads(settings.index_path.read_text())["arrays"]


def test_build_saves_and_reload_maps_the_arrays(settings):
    first, report = open_index(settings)
    assert report.rebuilt and report.reason.startswith("no saved index")
    payload = json.loads(settings.index_path.read_text(encoding="utf-8"))
    assert payload["format"] == "newsquote-index" and payload["version"] == store.FORMAT_VERSION
    again, report = open_index(settings)
    assert not report.rebuilt and not again.model_built
    assert [p for p in again.passages] == [p for p in first.passages]
    assert again.data.terms == first.data.terms and again.data.words == first.data.words
    assert isinstance(again.data.docs.terms.base, np.memmap)  # read in place, not copied
    assert again.data.speakers(first.row_of("001.13")) == ("Lloyd Austin", "the Pentagon")
    assert again.data.aliases == first.data.aliases
    for name, array in first.data.scores.items():
        assert np.array_equal(again.data.scores[name], array), name
    # no temp files: the manifest and the one folder it names
    assert sorted(p.name for p in settings.index_path.parent.iterdir()) == [
        "index.json", payload["arrays"]]


def _rewrite_array(settings, name, change):
    path = _folder(settings) / f"{name}.npy"
    array = np.load(path).copy()
    path.unlink()
    np.save(path, change(array), allow_pickle=True)


@pytest.mark.parametrize("damage", [
    lambda s: s.index_path.write_bytes(s.index_path.read_bytes()[:40]),          # truncated
    lambda s: s.index_path.write_bytes(b"\x80\x81garbage"),                     # not text
    lambda s: s.index_path.write_bytes(b"[]"),                                   # wrong shape
    lambda s: s.index_path.write_bytes(s.index_path.read_bytes().replace(
        b'"version":%d' % store.FORMAT_VERSION, b'"version":99')),              # another version
    lambda s: s.index_path.write_bytes(b"\x80\x04\x95cos\nsystem\n"),            # a pickle
    lambda s: shutil.rmtree(_folder(s)),                                         # arrays gone
    lambda s: (_folder(s) / "doc_terms.npy").write_bytes(
        (_folder(s) / "doc_terms.npy").read_bytes()[:200]),                      # truncated array
    lambda s: _rewrite_array(s, "doc_terms", lambda a: a + 10**6),               # rows out of range
    lambda s: _rewrite_array(s, "text_ptr", lambda a: a[::-1].copy()),           # offsets backwards
    lambda s: _rewrite_array(s, "kinds", lambda a: a.astype(np.int64)),          # another dtype
    lambda s: _rewrite_array(s, "id_order", lambda a: np.zeros_like(a)),         # not an order
    lambda s: _rewrite_array(s, "p_docs", lambda a: a + 10**6),                  # model out of range
    lambda s: _rewrite_array(s, "words", lambda a: np.array([object()])),        # pickled objects
    lambda s: _rewrite_array(s, "word_zipf", lambda a: a + 1000),                # rarities off scale
    lambda s: _rewrite_array(s, "word_zipf", lambda a: a[1:].copy()),            # a rarity short
])
def test_a_damaged_index_is_rebuilt_with_a_reason(settings, damage, caplog):
    expected = len(open_index(settings)[0])
    damage(settings)
    with pytest.raises(IndexFileError):
        store.load(settings.index_path)
    with caplog.at_level(logging.INFO, logger="index.build"):
        index, report = open_index(settings)
    assert report.rebuilt
    assert "building the index" in caplog.text
    assert len(index) == expected
    store.load(settings.index_path)  # and the rebuilt index is good again


def test_changed_articles_trigger_a_rebuild(settings):
    open_index(settings)
    (settings.seeds / "002_new.txt").write_text(
        "A new headline\n\nThe zebra crossing was repainted on Monday.\n", encoding="utf-8")
    index, report = open_index(settings)
    assert report.rebuilt and "articles changed" in report.reason
    assert index.passage("002.2").text == "The zebra crossing was repainted on Monday."


def test_failed_write_leaves_the_old_index(settings, monkeypatch):
    open_index(settings)
    before = settings.index_path.read_bytes()
    data = store.load(settings.index_path)
    real, calls = np.save, []

    def failing_save(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise OSError("disk full")
        return real(*args, **kwargs)
    monkeypatch.setattr(store.np, "save", failing_save)
    with pytest.raises(OSError):
        store.save(data, settings.index_path)
    assert settings.index_path.read_bytes() == before
    assert sorted(p.name for p in settings.index_path.parent.iterdir()) == [
        "index.json", _folder(settings).name]
    store.load(settings.index_path)


@pytest.mark.parametrize("edit", [
    lambda p: p.update(articles=p["articles"][:1]),
    lambda p: p.update(passages=p["passages"] + 1),
    lambda p: p.update(words=p["words"] - 1),
    lambda p: p.update(version=True),
    lambda p: p.update(arrays="../elsewhere"),
    lambda p: p["articles"][0].update(title=None),
    lambda p: p["articles"][1].update(id=p["articles"][0]["id"]),
])
def test_a_well_formed_manifest_with_bad_contents_is_rebuilt(settings, edit):
    open_index(settings)
    payload = json.loads(settings.index_path.read_text(encoding="utf-8"))
    edit(payload)
    settings.index_path.write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(IndexFileError):
        store.load(settings.index_path)
    index, report = open_index(settings)
    assert report.rebuilt and index.passage("001.13") is not None


def test_saved_index_is_readable_by_other_users(settings):
    open_index(settings)
    assert settings.index_path.stat().st_mode & 0o044 == 0o044
    assert _folder(settings).stat().st_mode & 0o055 == 0o055
    assert all(p.stat().st_mode & 0o044 == 0o044 for p in _folder(settings).iterdir())


def test_new_scoring_settings_rebuild_the_model_not_the_index(settings):
    open_index(settings)
    tuned = replace(settings, k1=1.2)
    index, report = open_index(tuned)
    assert not report.rebuilt and index.model_built
    again, _ = open_index(tuned)
    assert not again.model_built and again.data.score_key == (1.2, settings.b, settings.epsilon)


def test_a_replaced_index_keeps_serving_the_process_that_mapped_it(settings):
    open_index(settings)
    old, _ = open_index(settings)
    old_folder = _folder(settings)
    (settings.seeds / "002_new.txt").write_text("A new headline\n\nThe zebra crossing.\n",
                                                encoding="utf-8")
    open_index(settings)
    assert not old_folder.exists()  # replaced and removed ...
    assert old.passage("001.13").text.startswith("According to the Pentagon")  # ... still readable


def _same_data(a, b):
    assert a.terms == b.terms and a.words == b.words and a.articles == b.articles
    assert a.speaker_names == b.speaker_names and a.aliases == b.aliases
    for name in ("article_start", "kinds", "paragraphs", "text_ptr", "text", "word_terms",
                 "word_counts", "word_zipf", "id_order", "speaker_ptr", "speaker_ids"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("ptr", "terms", "tf"):
        assert np.array_equal(getattr(a.docs, name), getattr(b.docs, name)), name


def _analysed(monkeypatch) -> list[str]:
    """The ids of the articles the next builds analyse (rather than reuse), as they go."""
    from index import analysed as reading

    analysed: list[str] = []
    real = reading.article_passages

    def counting(article):
        analysed.append(article.id)
        return real(article)
    monkeypatch.setattr(reading, "article_passages", counting)
    return analysed


def test_adding_an_article_analyses_only_the_new_one(settings, monkeypatch):
    from index import build

    open_index(settings)
    analysed = _analysed(monkeypatch)
    (settings.seeds / "000_b9899e930565974e.txt").rename(settings.seeds / "003_moved.txt")
    (settings.seeds / "002_new.txt").write_text(
        "A new headline\n\nThe zebra crossing was repainted on Monday.\n", encoding="utf-8")
    index, report = open_index(settings)
    assert report.rebuilt and analysed == ["002", "003"]
    assert "zebra" in index.vocabulary and "gallant" in index.vocabulary
    _same_data(index.data, build.build_data(settings.seeds)[0])  # as if built from scratch
    analysed.clear()
    (settings.seeds / "002_new.txt").unlink()
    index, _ = open_index(settings, previous=index.data)
    assert analysed == [] and "zebra" not in index.vocabulary
    fresh = build.build_data(settings.seeds)[0]
    _same_data(index.data, fresh)
    tuned = replace(settings, k1=1.1)
    assert np.array_equal(SearchIndex(index.data, tuned).bm25_scores(["rafah", "say"]),
                          SearchIndex(fresh, tuned).bm25_scores(["rafah", "say"]))


def test_articles_analysed_by_older_code_are_analysed_again(settings, monkeypatch):
    """A saved index from before an analyzer or speaker-finder change must not lend its
    unchanged articles' old terms and speakers to the new build."""
    from index import speakers

    open_index(settings)
    analysed = _analysed(monkeypatch)
    monkeypatch.setattr(speakers, "SPEAKERS_VERSION", speakers.SPEAKERS_VERSION + 1)
    index, report = open_index(settings)
    assert report.rebuilt and sorted(analysed) == ["000", "001"]
    assert index.data.code == store.code_version()
    assert json.loads(settings.index_path.read_text())["code"] == store.code_version()


def test_an_index_saved_with_another_wordfreq_is_rebuilt(settings, monkeypatch):
    """Its words' saved rarities came from another word list."""
    from index import rarity

    open_index(settings)
    analysed = _analysed(monkeypatch)
    monkeypatch.setattr(rarity, "WORDFREQ_VERSION", "0.0.0")
    _, report = open_index(settings)
    assert report.rebuilt and sorted(analysed) == ["000", "001"]


def test_a_save_removes_staging_folders_a_killed_save_left(settings):
    settings.index_path.parent.mkdir(parents=True)
    left = settings.index_path.parent / ".index.json.arrays-killed"
    busy = settings.index_path.parent / ".index.json.arrays-another-save"
    for folder in (left, busy):
        folder.mkdir()
        (folder / "terms.npy").write_bytes(b"half written")
    an_hour_ago = time.time() - 3600
    os.utime(left, (an_hour_ago, an_hour_ago))
    open_index(settings)
    assert not left.exists()
    assert busy.exists()  # recent: it may be another process's save in progress
