import json
import logging
from dataclasses import replace

import pytest

from index import store
from index.build import open_index
from index.store import IndexFileError


@pytest.fixture
def settings(seed_settings, seeds_copy, tmp_path):
    return replace(seed_settings, seeds=seeds_copy, index_path=tmp_path / "out" / "index.json")


def test_build_saves_json_and_reload_uses_it(settings):
    first, report = open_index(settings)
    assert report.rebuilt and report.reason.startswith("no saved index")
    payload = json.loads(settings.index_path.read_text(encoding="utf-8"))
    assert payload["format"] == "newsquote-index" and payload["version"] == store.FORMAT_VERSION
    again, report = open_index(settings)
    assert not report.rebuilt
    assert [p.id for p in again.passages] == [p.id for p in first.passages]
    assert again.data.terms == first.data.terms
    assert list(settings.index_path.parent.iterdir()) == [settings.index_path]  # no temp left


@pytest.mark.parametrize("damage", [
    lambda raw: raw[: len(raw) // 2],                      # truncated
    lambda raw: b"\x80\x81garbage",                        # not text
    lambda raw: b"[]",                                     # wrong shape
    lambda raw: raw.replace(b'"version":%d' % store.FORMAT_VERSION, b'"version":99'),  # another
    lambda raw: raw.replace(b'"terms":[[', b'"terms":[7,['),   # inconsistent
    lambda raw: b"\x80\x04\x95cos\nsystem\n",              # a pickle is never loaded
])
def test_a_damaged_index_is_rebuilt_with_a_reason(settings, damage, caplog):
    expected = len(open_index(settings)[0])
    settings.index_path.write_bytes(damage(settings.index_path.read_bytes()))
    with pytest.raises(IndexFileError):
        store.load(settings.index_path)
    with caplog.at_level(logging.INFO, logger="index.build"):
        index, report = open_index(settings)
    assert report.rebuilt
    assert "building the index" in caplog.text
    assert len(index) == expected
    store.load(settings.index_path)  # and the rebuilt file is good again


def test_changed_articles_trigger_a_rebuild(settings):
    open_index(settings)
    (settings.seeds / "002_new.txt").write_text(
        "A new headline\n\nThe zebra crossing was repainted on Monday.\n", encoding="utf-8")
    index, report = open_index(settings)
    assert report.rebuilt and "articles changed" in report.reason
    assert index.passage("002.2").text == "The zebra crossing was repainted on Monday."


def test_failed_write_leaves_the_old_file(settings, monkeypatch):
    open_index(settings)
    before = settings.index_path.read_bytes()
    data = store.load(settings.index_path)

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(store.json, "dump", broken_dump)
    with pytest.raises(OSError):
        store.save(data, settings.index_path)
    assert settings.index_path.read_bytes() == before
    assert list(settings.index_path.parent.iterdir()) == [settings.index_path]


@pytest.mark.parametrize("edit", [
    lambda p: p["passages"][0].update(article_id="nope"),
    lambda p: p.update(articles=[]),
    lambda p: p["words"].update(galant=7),
    lambda p: p.update(version=True),
    lambda p: p["passages"][0].update(text=None),
])
def test_a_well_formed_json_with_bad_contents_is_rebuilt(settings, edit):
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


def test_adding_an_article_analyses_only_the_new_one(settings, monkeypatch):
    from index import build

    first, _ = open_index(settings)
    analysed: list[str] = []
    real = build.analyse

    def counting(items):
        analysed.extend(p.article_id for p in items[:1])
        return real(items)
    monkeypatch.setattr(build, "analyse", counting)
    (settings.seeds / "002_new.txt").write_text(
        "A new headline\n\nThe zebra crossing was repainted on Monday.\n", encoding="utf-8")
    index, report = open_index(settings)
    assert report.rebuilt and analysed == ["002"]
    assert index.data.terms[: len(first)] == first.data.terms
    assert "zebra" in index.vocabulary and "gallant" in index.vocabulary
    analysed.clear()
    (settings.seeds / "002_new.txt").unlink()
    index, _ = open_index(settings, previous=index.data)
    assert analysed == [] and "zebra" not in index.vocabulary
