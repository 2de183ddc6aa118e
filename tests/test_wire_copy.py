"""Wire and web copy pasted into article files, in the styles of six kinds of outlet (samples
written for this project): bylines become the author, datelines stay in the first sentence,
and furniture (ads, credits, sign-up lines, trailers, time stamps) is never quoted."""

from pathlib import Path

import pytest

from index.articles import parse_article
from index.passages import article_passages

WIRE = """Israel strikes Rafah as truce talks stall

By Maayan Lubell and Dan Williams

JERUSALEM (Reuters) - Israeli aircraft struck the southern Gaza city of Rafah on Tuesday, Palestinian health officials said, as talks on a truce stalled.

REUTERS/Mohammed Salem

Egypt and Qatar have been trying to broker a deal that would pause the fighting for six weeks.

Read more: What is in the proposed truce?

(Reporting by Maayan Lubell and Dan Williams; Editing by Alex Richardson)
"""

AGENCY = """Quake shakes central Chile, no damage reported

By Eva Vergara, Associated Press

SANTIAGO, Chile (AP) — A magnitude 6.1 earthquake shook central Chile on Sunday, the country's seismology center said, but there were no early reports of damage.

AP Photo/Esteban Felix

The quake was centered 40 kilometers (25 miles) east of the port city of Valparaiso.

Advertisement

Chile is one of the most seismically active countries in the world.
"""

BROADCASTER = """Ferry strike to go ahead after talks fail

Union members will walk out on Friday

By Laura Green, BBC Scotland transport correspondent

Ferry workers on the west coast will strike on Friday after last-minute talks with the operator broke down.

Image: A ferry at the Oban terminal

The RMT union said its members had rejected a pay offer of 4%.

Related Topics

Sign up for our morning newsletter and get BBC News in your inbox.
"""

LIVE_BLOG = """Storm Ashley live: thousands without power

10:42 GMT

Nearly 20,000 homes in the west of Ireland are without power, the network operator has said.

10:15 GMT

The national forecaster has extended its orange wind warning until 6 p.m. Police have urged drivers to stay off exposed roads.

Updated 9:58 a.m. ET

Share this
"""

LOCAL = """Council votes to repaint every zebra crossing

The work will cover 412 crossings at a cost of $1.8 million

By Maria Okafor

The city council voted 9 to 2 on Tuesday to repaint every zebra crossing in Riverside.

Photo: Riverside Ledger

“Faded paint is not a small thing,” said Councillor Dana Whitfield. They met on Main St. Police said the vote was long overdue.

Story continues below advertisement

Follow Maria on Twitter @mokafor

Comments
"""

SYNDICATED = """French farmers block roads into Paris

By AFP

PARIS, Jan 29 (AFP) - Farmers drove tractors onto motorways around Paris on Monday, vowing to "besiege" the capital in a protest over falling incomes.

(Photo by Dimitar Dilkoff/AFP via Getty Images)

The government has promised new aid but farm unions said it was not enough.

(Compiled by Jean Dupont; Editing by Marie Martin)
"""


def passages(text: str):
    article = parse_article(Path("001_sample.txt"), text.encode())
    return article, [p.text for p in article_passages(article)]


FURNITURE = ["REUTERS/", "Read more", "(Reporting by", "AP Photo", "Advertisement", "Image:",
             "Related Topics", "Sign up", "10:42 GMT", "10:15 GMT", "Updated 9:58", "Share this",
             "Photo:", "Story continues", "Follow Maria", "Comments", "(Photo by", "(Compiled by"]


@pytest.mark.parametrize("text, author, outlet, first", [
    (WIRE, "Maayan Lubell and Dan Williams", None, "JERUSALEM (Reuters) - Israeli aircraft"),
    (AGENCY, "Eva Vergara", "Associated Press", "SANTIAGO, Chile (AP) — A magnitude 6.1"),
    (BROADCASTER, "Laura Green", None, "Ferry workers on the west coast"),
    (LIVE_BLOG, None, None, "Nearly 20,000 homes in the west of Ireland"),
    (LOCAL, "Maria Okafor", None, "The city council voted 9 to 2"),
    (SYNDICATED, "AFP", None, "PARIS, Jan 29 (AFP) - Farmers drove tractors"),
], ids=["reuters-style", "ap-style", "bbc-style", "live-blog", "local-paper", "afp-syndicated"])
def test_wire_and_web_copy_is_read_right(text, author, outlet, first):
    article, texts = passages(text)
    assert article.author == author
    assert article.outlet == outlet
    body = [p.text for p in article_passages(article) if p.kind == "body"]
    assert body[0].startswith(first)  # the dateline is part of the first sentence
    for furniture in FURNITURE:
        assert not any(furniture in t for t in texts), furniture
    if author:
        assert article.standfirst is None or not article.standfirst.startswith("By ")


def test_a_live_blogs_times_go_but_its_sentences_split_right():
    _, texts = passages(LIVE_BLOG)
    assert "The national forecaster has extended its orange wind warning until 6 p.m." in texts
    assert "Police have urged drivers to stay off exposed roads." in texts


def test_a_standfirst_and_a_byline_are_both_found():
    article, _ = passages(LOCAL)
    assert article.standfirst == "The work will cover 412 crossings at a cost of $1.8 million"
    assert article.byline == "By Maria Okafor"


@pytest.mark.parametrize("sentence", [
    "Photos of the damage circulated on Monday.",
    "Related coverage of the war has been extensive, editors said.",
    "Follow the money, investigators said.",
    "He said the and/or clause was wrong.",
    "Watch the skies, forecasters said.",
])
def test_news_sentences_that_look_like_furniture_are_kept(sentence):
    _, texts = passages(f"A headline\n\nThe first paragraph is news.\n\n{sentence}\n")
    assert sentence in texts
