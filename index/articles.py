"""Article files to `Article`s: headline, standfirst, body, byline, with a short typeable id.

Plain-text files are read as news sites print them (headline, a short standfirst, paragraphs,
an `Author:` line and bio); an optional TOML front matter block (`+++`) wins over the guesses.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: File endings read from the seeds folder.
ARTICLE_SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 5_000_000

# Control characters (tab and newline aside) in a text file: counted, then read as spaces. One
# pass in C each: a per-character loop in Python was a fifth of a large build's time.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f]")
_CONTROLS_TO_SPACES = {c: " " for c in range(32) if c != ord("\n")}
_FRONT_MATTER_KEYS = {"id", "title", "subtitle", "author", "url", "published", "outlet"}
_ID_PREFIX = re.compile(r"^(\d{1,6})(?:[_\-. ]|$)")
# A byline: "Author: Dave DeCamp", "By Ann Lee and Bo Chen", then perhaps ", Organisation" or
# ", their role"; names, not a sentence ("By Friday, both sides ...").
_BYLINE_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|da|di|van|von|der|la|le|al|bin))*"
_BYLINE = re.compile(rf"^(?:Author|Written by|By)\s*:?\s+(?P<name>{_BYLINE_NAME})"
                     rf"(?:,\s*(?P<rest>[^.!?]{{1,80}}))?$")
# Site and wire furniture, as whole paragraphs: never quoted as news. Patterns of form, not
# lists of outlets.
_FURNITURE = [re.compile(p, re.I) for p in (
    r"(?:story continues below )?advertisement|sponsored(?: content)?|file photo\.?|"
    r"leave a (?:reply|comment)|share this:?|like this:?|comments?|subscribe|print|email|"
    r"click to share.*",
    # lead-ins to other pages: "Read more: …", "Related: …" (a label, then a title)
    r"(?:read more|related(?: (?:stories|articles|coverage|posts|content|topics|links))?|see also|"
    r"more on this(?: story)?|watch|listen)(?:\s*[:|»>].{0,150})?",
    # calls to act: "Sign up for our newsletter", "Follow us on X"
    r"(?:sign up|subscribe to|follow us|follow .{1,40} on (?:twitter|x|facebook|instagram)\b)"
    r".{0,150}",
    # photo and video credits: "Photo: …", "(Photo by X/Getty Images)"
    r"\(?(?:photo|image|picture|video|credit)s?(?:\s*[:|/]| by\b).{0,150}",
    # wire trailers: "(Reporting by A; Editing by B)"
    r"\((?:reporting|writing|editing|additional reporting|compiled|fact-checking) by [^)]*\)",
    # live-blog time stamps: "10:42 GMT", "Updated 2:05 p.m. ET"
    r"(?:updated:?\s*)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?",
)] + [
    # agency credits: "REUTERS/Mohammed Salem", "AP Photo/Ariel Schalit" (every word capitalised)
    re.compile(r"[A-Z][\w.&'-]*(?: [A-Z][\w.&'-]*){0,3}/[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,4}"),
]
# "Maayan Lubell, Reuters": a byline's organisation, its words capitalised.
_ORGANISATION = re.compile(r"(?:[A-Z][\w.&'’-]*)(?: (?:[A-Z][\w.&'’-]*|of|the|and)){0,4}")
_CLOSING = ".!?…:;\"'”’)"


class ArticleError(ValueError):
    """A file that cannot be read as an article; the message names the file."""


class DuplicateIdError(ValueError):
    """Two files claim the same article id."""


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    standfirst: str | None = None
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    byline: str | None = None          # the author line as the file prints it
    bio: tuple[str, ...] = ()
    source_file: str = ""
    sha256: str = field(default="", compare=False)


def article_id_for(path: Path, declared: str | None = None) -> str:
    """A short stable id: the front matter's, the file name's leading number, or its slug."""
    if declared:
        candidate = str(declared).strip()
    else:
        match = _ID_PREFIX.match(path.name)
        candidate = match.group(1) if match else path.stem
    ascii_name = unicodedata.normalize("NFKD", candidate).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9-]+", "-", ascii_name.casefold()).strip("-")[:32].strip("-")
    if not slug:  # a name in another script: a short stable id made from it
        slug = "a-" + hashlib.sha256(candidate.encode()).hexdigest()[:6]
    return slug


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise ArticleError(f"{path.name}: empty file")
    if len(data) > MAX_FILE_BYTES:
        raise ArticleError(f"{path.name}: larger than {MAX_FILE_BYTES} bytes")
    if b"\x00" in data:
        raise ArticleError(f"{path.name}: binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = len(_CONTROLS.findall(text))
    if controls > len(text) // 100 + 2:
        raise ArticleError(f"{path.name}: looks binary ({controls} control characters)")
    if not controls and "\t" not in text:  # most files (translating: 0.5 s of 100k sentences)
        return text
    return text.translate(_CONTROLS_TO_SPACES)


def _split_front_matter(path: Path, text: str) -> tuple[dict, str]:
    if not text.startswith("+++\n"):
        return {}, text
    end = text.find("\n+++", 3)
    if end < 0:
        raise ArticleError(f"{path.name}: front matter opened with +++ but never closed")
    try:
        meta = tomllib.loads(text[4:end])
    except tomllib.TOMLDecodeError as exc:
        raise ArticleError(f"{path.name}: bad TOML front matter ({exc})")
    unknown = set(meta) - _FRONT_MATTER_KEYS
    if unknown:
        log.warning("%s: ignoring unknown front matter keys %s", path.name, sorted(unknown))
    rest = text[end + 4:]
    return {k: str(v).strip() for k, v in meta.items() if k in _FRONT_MATTER_KEYS}, rest


def _blocks(text: str) -> list[str]:
    """Paragraphs: blank-line separated, inner line breaks folded to spaces."""
    return [" ".join(b.split()) for b in re.split(r"\n\s*\n", text) if b.strip()]


def is_furniture(block: str) -> bool:
    """Is this paragraph site or wire furniture (an ad label, a credit, a sign-up line, a
    reporting trailer, a time stamp), not news?"""
    return len(block) <= 200 and any(p.fullmatch(block) for p in _FURNITURE)


def _byline(block: str) -> tuple[str, str | None] | None:
    """(author, organisation) of a byline paragraph ("By A and B", "By A, Reuters", "By A,
    BBC Scotland transport correspondent"), or None."""
    match = _BYLINE.match(block)
    if not match:
        return None
    rest = (match.group("rest") or "").strip()
    return match.group("name").strip(), rest if rest and _ORGANISATION.fullmatch(rest) else None


def _is_standfirst(block: str) -> bool:
    return len(block) <= 300 and not block.endswith(tuple(_CLOSING))


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def parse_article(path: Path, data: bytes) -> Article:
    """Read one article file; raises `ArticleError` when it holds no article."""
    text = _decode(path, data)
    meta, text = _split_front_matter(path, text)
    if "title" not in meta:  # the headline is the first line, even with no blank line after it
        text = re.sub(r"^\s*([^\n]*)\n(?=[^\n]*\S)", r"\1\n\n", text, count=1)
    blocks = [b for b in _blocks(text) if not is_furniture(b)]

    author, outlet, byline, bio = meta.get("author"), meta.get("outlet"), None, []
    title = meta.get("title")
    if blocks and (title is None or _same(blocks[0], title)):
        title = title or blocks[0]
        blocks = blocks[1:]

    def take_byline() -> None:  # under the headline, or under the standfirst
        nonlocal author, outlet, byline, blocks
        found = _byline(blocks[0]) if len(blocks) > 1 and byline is None else None
        if found:
            byline, blocks = blocks[0], blocks[1:]
            author, outlet = author or found[0], outlet or found[1]

    take_byline()
    standfirst = meta.get("subtitle")
    if blocks and (_same(blocks[0], standfirst) if standfirst else
                   "title" not in meta and len(blocks) > 1 and _is_standfirst(blocks[0])):
        standfirst = standfirst or blocks[0]
        blocks = blocks[1:]
    take_byline()
    # No byline at the top: one near the end ("Author: Dave DeCamp"), then the author's bio.
    for i in range(len(blocks) - 1, 0, -1) if byline is None else ():
        if i < len(blocks) - 3:
            break
        if found := _byline(blocks[i]):
            author, outlet = author or found[0], outlet or found[1]
            byline, bio, blocks = blocks[i], blocks[i + 1:], blocks[:i]
            break

    if not title:
        raise ArticleError(f"{path.name}: no headline")
    if not blocks:
        raise ArticleError(f"{path.name}: no body text after the headline")
    return Article(
        id=article_id_for(path, meta.get("id")), title=title, paragraphs=tuple(blocks),
        standfirst=standfirst, author=author, outlet=outlet, url=meta.get("url"),
        published=meta.get("published"), byline=byline, bio=tuple(bio), source_file=path.name,
        sha256=hashlib.sha256(data).hexdigest())


def article_files(folder: Path) -> list[Path]:
    """The article files of a folder, in a stable order."""
    if not folder.is_dir():
        raise FileNotFoundError(f"articles folder not found: {folder}")
    return sorted((p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                   and not p.name.startswith(".")),
                  key=lambda p: p.name)  # as paths sort in one folder, and faster


@dataclass
class LoadResult:
    articles: list[Article]
    warnings: list[str]


def read_file(path: Path) -> Article | str:
    """The article a file holds, or the warning that says why it was skipped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"skipped {exc}"
    return article_or_warning(path, data)


def article_or_warning(path: Path, data: bytes) -> Article | str:
    """The article in a file's bytes, or the warning that says why the file was skipped."""
    try:
        return parse_article(path, data)
    except ArticleError as exc:
        return f"skipped {exc}"


class IdOwners:
    """The file that claimed each article id first: a second claim is a `DuplicateIdError`."""

    def __init__(self) -> None:
        self.owners: dict[str, str] = {}

    def claim(self, article: Article) -> None:
        owner = self.owners.setdefault(article.id, article.source_file)
        if owner != article.source_file:
            raise DuplicateIdError(f"article id {article.id!r} is claimed by both {owner} and "
                                   f"{article.source_file}")


def load_articles(folder: Path) -> LoadResult:
    """Every readable article in `folder`; unreadable files become warnings, not failures."""
    articles: list[Article] = []
    warnings: list[str] = []
    owners = IdOwners()
    for path in article_files(folder):
        article = read_file(path)
        if isinstance(article, str):
            warnings.append(article)
            continue
        owners.claim(article)
        articles.append(article)
    return LoadResult(articles, warnings)
