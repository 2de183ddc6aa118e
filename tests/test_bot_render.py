"""What users see in Discord: limits, escaping, trimming, empty and abstaining answers."""

import pytest

from bot.render import (ARTICLES_PER_PAGE, DESCRIPTION_MAX, answer_reply, articles_reply, escape,
                        reply_text, shorten, source_reply, within_limits)
from index.articles import Article
from index.passages import Passage
from index.search import Answer, Hit, search

ARTICLE = Article(id="009", title="A *bold* @everyone headline", paragraphs=("x",),
                  author="Ann <@123> Lee")


def hit(text: str, n: int = 1, matched=()) -> Hit:
    passage = Passage(id=f"009.{n}", article_id="009", position=n, kind="body", paragraph=0,
                      text=text)
    return Hit(passage, ARTICLE, 1.0, 1.0, tuple(matched))


def description(reply) -> str:
    return reply.embeds[0].description


def test_answer_quotes_passages_with_ids_sources_and_bold_matches(seed_index):
    reply = answer_reply(search(seed_index, "How many Palestinians are in Rafah?"))
    text = description(reply)
    assert "> According to the Pentagon, Austin warned Gallant about an assault on **Rafah**, " \
           "which is packed with 1.5 million **Palestinians**" in text
    assert "`001.13` · *Austin Tells Gallant US-Israel ‘Security Bond’ Is ‘Unshakable’* — " \
           "Dave DeCamp" in text
    assert reply.embeds[0].title == "How many Palestinians are in Rafah?"
    assert within_limits(reply) and not reply.ephemeral


def test_abstaining_answer_says_so(seed_index):
    reply = answer_reply(search(seed_index, "Who invented the telephone?"))
    assert "The articles don't mention invented or telephone." in description(reply)
    assert "> " not in description(reply)


def test_an_unsure_answer_says_so_and_quotes_the_closest_passages():
    answer = Answer("q", (hit("Close."), hit("Closer.", 2)), grade="unsure", confidence=0.3)
    reply = answer_reply(answer)
    text = description(reply)
    assert text.startswith("**These may not answer it:** the closest passages I found.")
    assert "> Close." in text and "> Closer." in text
    assert reply.embeds[0].colour != answer_reply(Answer("q", (hit("Close."),))).embeds[0].colour


def test_a_none_grade_quotes_nothing_even_with_passages_found():
    answer = Answer("q", (hit("Far."),), "The articles don't mention Paris.", grade="none",
                    confidence=0.01)
    text = description(answer_reply(answer))
    assert "The articles don't mention Paris." in text and "> Far." not in text


def test_corrections_are_shown(seed_index):
    reply = answer_reply(search(seed_index, "what did galant say about hamas"))
    assert description(reply).startswith("*Showing results for: gallant*")


@pytest.mark.parametrize("raw, quoted", [
    ("Hello @everyone and @here", "> Hello @everyone and @here"),
    ("ping <@123456789012345678> now", "> ping \\<@123456789012345678> now"),
    ("see [click](https://evil.example)", "> see \\[click](https://evil.example)"),
    ("**bold** and __u__ and ~~s~~ and ||sp|| and `c`",
     "> \\*\\*bold\\*\\* and \\_\\_u\\_\\_ and \\~\\~s\\~\\~ and \\|\\|sp\\|\\| and \\`c\\`"),
    ("# Heading", "> \\# Heading"),
    ("> not a nested quote", "> \\> not a nested quote"),
])
def test_article_text_cannot_ping_or_reformat(raw, quoted):
    text = description(answer_reply(Answer("q", (hit(raw),))))
    assert text.split("\n")[0] == quoted
    assert "`009.1` · *A \\*bold\\* @everyone headline* — Ann \\<@123> Lee" in text


def test_escape_keeps_words_readable():
    assert escape("a_b *c*") == "a\\_b \\*c\\*"
    assert escape("@everyone") == "@everyone"


def test_addresses_and_handles_are_quoted_word_for_word():
    text = "Write to news@antiwar.com or follow @decampdave."
    assert description(answer_reply(Answer("q", (hit(text),)))).split("\n")[0] == f"> {text}"


def test_the_question_cannot_reformat_the_title():
    reply = answer_reply(Answer("**why** <@123> `x`", (hit("Because."),)))
    assert reply.embeds[0].title == "\\*\\*why\\*\\* \\<@123> \\`x\\`"


def test_many_passages_stop_at_a_passage_boundary():
    hits = tuple(hit(f"Sentence number {n} " + "word " * 150, n) for n in range(1, 20))
    reply = answer_reply(Answer("q", hits))
    text = description(reply)
    assert len(text) <= DESCRIPTION_MAX and within_limits(reply)
    shown = text.count("> Sentence number")
    assert 0 < shown < 19
    assert all(f"`009.{n}`" in text for n in range(1, shown + 1))
    assert "more passage(s) did not fit" in reply.embeds[0].footer.text


def test_one_huge_passage_is_cut_at_a_word_with_an_ellipsis():
    words = [f"w{n}" for n in range(3000)]
    reply = answer_reply(Answer("q", (hit(" ".join(words)),)))
    text = description(reply)
    assert within_limits(reply)
    quote = text.split("\n")[0]
    assert quote.endswith(" …")
    last = quote[2:-2].split()[-1]
    assert last in words  # a whole word, never part of one


def test_long_question_title_is_shortened_at_a_word():
    question = "why " * 100
    reply = answer_reply(Answer(question.strip(), ()))
    assert len(reply.embeds[0].title) <= 256 and reply.embeds[0].title.endswith("why…")


def test_shorten():
    assert shorten("one two three", 100) == "one two three"
    assert shorten("one two three", 9) == "one two…"


def test_source_reply_shows_context_and_details(seed_index):
    passage = seed_index.passage("001.13")
    reply = source_reply(seed_index, passage, seed_index.articles["001"])
    embed = reply.embeds[0]
    assert "> According to the Pentagon" in embed.description
    assert "The meeting came after" in embed.description
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Passage"] == "`001.13` (body)" and fields["Author"] == "Dave DeCamp"
    assert fields["Passages"].startswith("17 ")
    assert within_limits(reply)


def test_source_reply_for_an_article(seed_index):
    reply = source_reply(seed_index, None, seed_index.articles["000"])
    fields = {f.name: f.value for f in reply.embeds[0].fields}
    assert fields["Headline"].startswith("> Unbreakable or Not?")
    assert reply.embeds[0].description.startswith("The urgency of alleviating")


def test_articles_reply_pages(seed_index):
    reply = articles_reply(seed_index)
    assert "`000` Unbreakable or Not?" in description(reply)
    assert "`001` Austin Tells Gallant" in description(reply)
    assert reply.embeds[0].footer.text.startswith("Page 1 of 1")
    assert ARTICLES_PER_PAGE == 10


def test_reply_text_is_the_embed_as_text(seed_index):
    reply = answer_reply(search(seed_index, "ceasefire"))
    embed = reply.embeds[0]
    assert reply_text(reply) == f"## ceasefire\n\n{embed.description}\n\n— {embed.footer.text}"
    assert embed.description.startswith("> ") and "**ceasefire**" in embed.description


def test_bold_marks_never_add_stray_backslashes():
    text = "Peace talks - which began in Cairo - were paused."
    quote = description(answer_reply(Answer("q", (hit(text, matched=("talk", "cairo")),))))
    assert quote.split("\n")[0] == "> Peace **talks** - which began in **Cairo** - were paused."


def test_huge_credits_cannot_hang_or_overflow():
    article = Article(id="010", title="T" * 5000, paragraphs=("x",), author="A" * 5000,
                      outlet="O" * 3000)
    passage = Passage(id="010.2", article_id="010", position=1, kind="body", paragraph=0,
                      text="word " * 2000)
    reply = answer_reply(Answer("q", (Hit(passage, article, 1.0, 1.0, ()),)))
    assert within_limits(reply)
    assert "`010.2`" in description(reply)


def test_a_very_long_passage_fits_and_ends_with_an_ellipsis():
    reply = answer_reply(Answer("q", (hit("@everyone <@1> " * 20000, matched=("everyon",)),)))
    assert within_limits(reply)
    assert description(reply).split("\n")[0].endswith(" …")


def test_bidi_controls_are_neutralised():
    assert "\u202e" not in description(answer_reply(Answer("q", (hit("evil \u202e txet"),))))


def test_source_reply_with_long_metadata_stays_within_limits(seed_index):
    article = Article(id="001", title="H" * 300, paragraphs=("x",), author="A " * 800,
                      outlet="O " * 800, published="P " * 800, url="https://exa mple.com/a b",
                      standfirst="S " * 3000)
    reply = source_reply(seed_index, seed_index.passage("001.13"), article)
    assert within_limits(reply)
    assert reply.embeds[0].url is None  # an invalid link is dropped, not sent
    fields = {f.name: f.value for f in reply.embeds[0].fields}
    assert fields["Article"] == "`001`"


def test_articles_reply_with_long_authors_stays_within_limits():
    class Many:
        articles = {f"{n:03}": Article(id=f"{n:03}", title="Title *x* " * 40, paragraphs=("x",),
                                       author="Author _y_ " * 100) for n in range(25)}

        def __len__(self):
            return 99
    reply = articles_reply(Many(), page=2)
    assert within_limits(reply)
    assert "`010`" in description(reply) and "Page 2 of 3" in reply.embeds[0].footer.text


def test_answers_show_who_speaks_and_source_shows_who_is_quoted(seed_index):
    text = description(answer_reply(search(seed_index, "what did Austin say about Rafah")))
    assert text.startswith("> According to the Pentagon, **Austin** warned Gallant")
    assert "`001.13` · *Austin Tells Gallant" in text and "speaking: Lloyd Austin, the Pentagon" in text
    reply = source_reply(seed_index, seed_index.passage("001.6"), seed_index.articles["001"])
    assert {"name": "Quoted", "value": "Lloyd Austin", "inline": True} in reply.embeds[0].to_dict()["fields"]


def test_passages_of_one_article_are_grouped_under_one_credit():
    other = Article(id="010", title="Other side", paragraphs=("x",))
    hits = (hit("First.", 1), Hit(hit("Second.", 2).passage, other, 1.0, 1.0, ()), hit("Third.", 3))
    text = description(answer_reply(Answer("q", hits)))
    assert text.index("> First.") < text.index("> Third.") < text.index("> Second.")
    assert text.count("*A \\*bold\\* @everyone headline*") == 1
