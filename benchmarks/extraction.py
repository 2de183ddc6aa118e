"""Article-body extraction: ours (index.sources.extract_html) beside plain trafilatura defaults.

    python benchmarks/extraction.py PAGES_DIR EXPECTED.json   # .html / .html.gz pages
    python benchmarks/extraction.py --assembled               # pages assembled here

EXPECTED.json is the format of the public article-extraction benchmarks:
{"ID": {"articleBody": "…"}}, ID being a page's file name without .html(.gz). Each page's
extracted body is compared with the expected one as bags of lower-case word tokens:
precision (how much of what was extracted is article), recall (how much of the article was
extracted) and F1, averaged over pages. Furniture quoted as news costs precision, which is
why ours favours it.

`--assembled` writes pages in six layouts news sites use (an <article> with navigation, share
bars, related links and comments; a blog theme with a sidebar and ads; a <main> with
"read more" links and a newsletter box; a live page with time stamps; an old table layout;
a minimal AMP-like page) around the article texts of this repository's seeds and test pages,
so the figures can be reproduced offline.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import re
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.articles import parse_article  # noqa: E402
from index.sources import NotAnArticle, extract_html  # noqa: E402

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN.findall(text or ""))


def scores(got: str, want: str) -> tuple[float, float, float]:
    g, w = tokens(got), tokens(want)
    common = sum((g & w).values())
    precision = common / sum(g.values()) if g else (1.0 if not w else 0.0)
    recall = common / sum(w.values()) if w else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def ours(page: str) -> str:
    try:
        return extract_html(page, "page").text
    except NotAnArticle:
        return ""


def trafilatura_defaults(page: str) -> str:
    return trafilatura.extract(page) or ""


SYSTEMS = {"ours (extract_html)": ours, "trafilatura.extract defaults": trafilatura_defaults}


def read_pages(folder: Path) -> dict[str, str]:
    pages = {}
    for path in sorted(folder.iterdir()):
        if path.name.endswith(".html.gz"):
            pages[path.name[:-8]] = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        elif path.name.endswith(".html"):
            pages[path.name[:-5]] = path.read_text(encoding="utf-8", errors="replace")
    return pages


# ---- pages assembled from the repository's own article texts

def _articles() -> list[tuple[str, str, list[str]]]:
    """(title, author, paragraphs) of the seed articles and the test pages' articles."""
    out = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        article = parse_article(path, path.read_bytes())
        out.append((article.title, article.author or "Staff", list(article.paragraphs)))
    for name in ("story.html", "second.html"):
        found = extract_html((ROOT / "tests" / "data" / "web" / name).read_bytes(), name)
        out.append((found.title, found.author or "Staff", found.text.split("\n\n")))
    return out


def _ps(paragraphs: list[str], between: str = "") -> str:
    out = []
    for n, p in enumerate(paragraphs):
        out.append(f"<p>{html.escape(p)}</p>")
        if between and n == 1:
            out.append(between)
    return "\n".join(out)


_NAV = ('<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>'
        '<li><a href="/politics">Politics</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav>')
_SHARE = ('<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> '
          '<a href="#">Email</a></div>')
_RELATED = ('<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Markets slide '
            'as oil jumps</a></li><li><a href="/b">Storm warnings for the weekend</a></li></ul></aside>')
_COMMENTS = ('<section id="comments"><h2>3 comments</h2><div class="comment"><b>reader1</b><p>This '
             'is the worst coverage I have read all year, honestly.</p></div><div class="comment">'
             '<b>jdoe</b><p>Thanks for reporting this, keep it up.</p></div></section>')
_AD = '<div class="ad">Advertisement <a href="/ad">Cheap flights to Lisbon from $49</a></div>'
_NEWSLETTER = ('<div class="newsletter">Sign up for our daily briefing: the news you need, '
               'in your inbox every morning. <button>Sign up</button></div>')
_FOOTER = '<footer><p>© 2026 The Daily Example. All rights reserved.</p><a href="/terms">Terms</a></footer>'


def _layouts(title: str, author: str, paragraphs: list[str]) -> dict[str, str]:
    t, a = html.escape(title), html.escape(author)
    head = (f"<head><meta charset='utf-8'><title>{t} | The Daily Example</title>"
            f"<meta name='author' content='{a}'></head>")
    return {
        "article": f"<html>{head}<body>{_NAV}<main><article><h1>{t}</h1><p class='byline'>By {a}"
                   f"</p>{_SHARE}{_ps(paragraphs, _AD)}{_RELATED}</article>{_COMMENTS}</main>"
                   f"{_FOOTER}</body></html>",
        "blog": f"<html>{head}<body><div id='header'>{_NAV}</div><div id='content'><div class="
                f"'post'><h2 class='entry-title'>{t}</h2><div class='entry-content'>"
                f"{_ps(paragraphs, _AD)}</div><div class='tags'>Tags: news, world</div></div>"
                f"<div id='sidebar'><h3>Popular</h3><ul><li>One</li><li>Two</li></ul>{_AD}</div>"
                f"</div>{_FOOTER}</body></html>",
        "main": f"<html>{head}<body>{_NAV}<main><h1>{t}</h1><div class='story'>"
                f"{_ps(paragraphs, '<p><a href=/x>Read more: Why the talks stalled</a></p>')}"
                f"</div>{_NEWSLETTER}</main>{_FOOTER}</body></html>",
        "live": f"<html>{head}<body>{_NAV}<div class='live'><h1>{t}</h1>"
                + "".join(f"<div class='post'><span class='time'>{10 + n}:0{n} GMT</span><p>"
                          f"{html.escape(p)}</p></div>" for n, p in enumerate(paragraphs))
                + f"</div>{_FOOTER}</body></html>",
        "table": f"<html>{head}<body><table><tr><td>{_NAV}</td></tr><tr><td><b>{t}</b><br>"
                 f"{_ps(paragraphs)}</td><td>{_RELATED}</td></tr></table>{_FOOTER}</body></html>",
        "amp": f"<html>{head}<body><article><h1>{t}</h1>{_ps(paragraphs)}</article></body></html>",
    }


def assemble(folder: Path) -> dict[str, dict[str, str]]:
    expected = {}
    for n, (title, author, paragraphs) in enumerate(_articles()):
        for layout, page in _layouts(title, author, paragraphs).items():
            key = f"{n:02d}-{layout}"
            (folder / f"{key}.html").write_text(page, encoding="utf-8")
            expected[key] = {"articleBody": "\n".join(paragraphs)}
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", type=Path, nargs="?", help="folder of .html / .html.gz pages")
    parser.add_argument("expected", type=Path, nargs="?", help='{"ID": {"articleBody": …}}')
    parser.add_argument("--assembled", action="store_true", help="pages assembled here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.assembled:
            expected = assemble(Path(tmp))
            pages = read_pages(Path(tmp))
        elif args.pages and args.expected:
            expected = json.loads(args.expected.read_text(encoding="utf-8"))
            pages = read_pages(args.pages)
        else:
            parser.error("give PAGES_DIR EXPECTED.json, or --assembled")
    keys = [k for k in pages if k in expected]
    print(f"{len(keys)} pages with an expected body")
    print(f"{'system':<30} | precision | recall | F1    | pages with no body")
    for name, run in SYSTEMS.items():
        results = [scores(run(pages[k]), expected[k]["articleBody"]) for k in keys]
        empty = sum(1 for k in keys if not run(pages[k]).strip())
        p, r, f = (statistics.mean(x[i] for x in results) for i in range(3))
        print(f"{name:<30} | {p:.3f}     | {r:.3f}  | {f:.3f} | {empty}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
