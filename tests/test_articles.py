from pathlib import Path

import pytest

from index.articles import ArticleError, DuplicateIdError, load_articles, parse_article
from index.passages import article_passages

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def parse(text: str | bytes, name: str = "007_story.txt"):
    data = text.encode() if isinstance(text, str) else text
    return parse_article(Path(name), data)


def test_seed_articles_read_as_a_reader_sees_them():
    articles = {a.id: a for a in load_articles(SEEDS).articles}
    assert sorted(articles) == ["000", "001"]
    first, second = articles["000"], articles["001"]
    assert first.title == "Unbreakable or Not? Israel’s Relationship with the US at a Critical Juncture"
    assert first.standfirst.startswith("The urgency of alleviating the humanitarian crisis")
    assert first.author is None
    assert all("Leave a Reply" not in p for p in first.paragraphs)
    assert len(first.paragraphs) == 4
    assert second.title == "Austin Tells Gallant US-Israel ‘Security Bond’ Is ‘Unshakable’"
    assert second.author == "Dave DeCamp"
    assert second.byline == "Author: Dave DeCamp"
    assert second.bio == ("Dave DeCamp is the news editor of Antiwar.com, follow him on Twitter @decampdave.",)
    assert len(second.paragraphs) == 9


def test_every_passage_is_a_verbatim_slice_of_the_file():
    for article in load_articles(SEEDS).articles:
        raw = (SEEDS / article.source_file).read_text(encoding="utf-8")
        for passage in article_passages(article):
            assert passage.text in raw, passage.id


def test_multi_sentence_quotation_is_one_passage_with_its_attribution():
    article = next(a for a in load_articles(SEEDS).articles if a.id == "001")
    texts = [p.text for p in article_passages(article)]
    assert ("“Yoav, your security bond is — our security bond is unshakable. The United States is "
            "Israel’s closest friend, and that won’t change,” Austin said in remarks welcoming "
            "Gallant.") in texts
    assert any(t.startswith("“You know, I’ve been to Israel twice") and t.endswith("he said.")
               for t in texts)


def test_passage_ids_are_stable_and_typeable():
    first = [p.id for a in load_articles(SEEDS).articles for p in article_passages(a)]
    again = [p.id for a in load_articles(SEEDS).articles for p in article_passages(a)]
    assert first == again
    assert first[0] == "000.1" and "001.12" in first
    assert len(set(first)) == len(first)


def test_front_matter_wins_over_guesses():
    article = parse('+++\ntitle = "Real title"\nsubtitle = "Sub"\nauthor = "Ann Lee"\n'
                    'url = "https://example.org/a"\noutlet = "Example News"\nid = "ex-1"\n+++\n'
                    "Real title\n\nSub\n\nBody sentence one. Body two.\n", name="whatever.txt")
    assert (article.id, article.title, article.standfirst, article.author, article.outlet,
            article.url) == ("ex-1", "Real title", "Sub", "Ann Lee", "Example News",
                             "https://example.org/a")
    assert article.paragraphs == ("Body sentence one. Body two.",)


def test_front_matter_title_without_headline_in_text_keeps_all_paragraphs():
    article = parse('+++\ntitle = "T"\n+++\n\nFirst paragraph.\n\nSecond paragraph.\n')
    assert article.title == "T"
    assert article.paragraphs == ("First paragraph.", "Second paragraph.")


def test_ids_come_from_the_file_name():
    assert parse("Head\n\nBody text.", "042_abc.txt").id == "042"
    assert parse("Head\n\nBody text.", "My Story.txt").id == "my-story"


@pytest.mark.parametrize("data, why", [
    (b"", "empty"),
    (b"   \n\n ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
    (b"Headline\n\n\xff\xfe bad bytes", "not UTF-8"),
    (b"Only a headline\n", "no body"),
    (b"+++\ntitle = \n+++\nHead\n\nBody.", "bad TOML"),
    (b"+++\ntitle = \"x\"\nBody never closes", "never closed"),
])
def test_malformed_files_are_refused_with_a_reason(data, why):
    with pytest.raises(ArticleError, match=why):
        parse(data)


def test_a_malformed_file_is_skipped_and_the_rest_load(seeds_copy):
    (seeds_copy / "bad.txt").write_bytes(b"\x00\x01\x02")
    (seeds_copy / "empty.txt").write_text("")
    result = load_articles(seeds_copy)
    assert [a.id for a in result.articles] == ["000", "001"]
    assert len(result.warnings) == 2
    assert any("bad.txt" in w and "binary" in w for w in result.warnings)
    assert any("empty.txt" in w for w in result.warnings)


def test_two_files_with_one_id_name_both(seeds_copy):
    (seeds_copy / "001_copy.txt").write_text("Another\n\nBody text here.")
    with pytest.raises(DuplicateIdError, match="001_34ce978322e1d259.txt.*001_copy.txt"):
        load_articles(seeds_copy)


def test_headline_is_the_first_line_even_without_a_blank_line():
    article = parse("Gaza Talks Resume\nOfficials met on Monday in Cairo.\n\nMore talks follow.")
    assert article.title == "Gaza Talks Resume"
    assert article.paragraphs == ("Officials met on Monday in Cairo.", "More talks follow.")


def test_a_sentence_starting_with_by_is_not_a_byline():
    article = parse("Head\n\nTalks went on all week.\n\nBy Friday, both sides had gone home.")
    assert article.author is None
    assert article.paragraphs[-1] == "By Friday, both sides had gone home."
    assert parse("Head\n\nBody text.\n\nBy Ann Lee and Bo Chen").author == "Ann Lee and Bo Chen"


def test_file_names_in_other_scripts_get_stable_ids():
    assert parse("Head\n\nBody.", "新闻.txt").id == parse("Head\n\nBody.", "新闻.txt").id
    assert parse("Head\n\nBody.", "新闻.txt").id.startswith("a-")
    assert parse("Head\n\nBody.", "Ünïcode name.md").id == "unicode-name"


def test_empty_front_matter_is_allowed():
    assert parse("+++\n+++\nHead\n\nBody text.").title == "Head"
