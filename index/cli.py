"""`python -m index`: build the index, ask it questions, see sources and how text is split."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import orjson

from .articles import ArticleError, DuplicateIdError, parse_article
from .build import Progress, open_index
from .model import SearchIndex, keep_long_lived
from .passages import article_passages
from .render import answer_json, answer_text, articles_text, source_text
from .search import QuestionError, search
from .settings import IndexSettings, SettingsError, load_settings
from .workers import POOL_MIN_FILES

class UsageError(Exception):
    """A user mistake: printed as one line, exit status 2, no traceback."""


def _common() -> argparse.ArgumentParser:
    """Options taken before or after the command (`--config c ask …` or `ask … --config c`)."""
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--config", type=Path, help="config.toml (default: built-in settings)")
    common.add_argument("--seeds", type=Path, help="articles folder (overrides the config); "
                        "with no --index, the index is built in memory and not saved")
    common.add_argument("--index", type=Path, help="saved index path (overrides the config)")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    return common


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__,
                                     parents=[_common()])
    parser.set_defaults(config=None, seeds=None, index=None, quiet=False)
    common = _common()  # the commands' own copy: set_defaults above must not reach it
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", parents=[common], help="answer a question by quoting the articles")
    ask.add_argument("question", nargs="?", help="the question (omit with --jsonl)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--jsonl", action="store_true",
                     help="read one question per line on stdin, write one JSON answer per line")
    ask.add_argument("-k", "--top", type=int, help="how many passages at most")

    source = sub.add_parser("source", parents=[common],
                            help="show a passage in context, or an article's details")
    source.add_argument("id", help="a passage id such as 001.12, or an article id such as 001")

    split = sub.add_parser("split", parents=[common], help="print the passages an article "
                           "file is indexed as, one JSON string per line")
    split.add_argument("file", help="a text file, or - for stdin")

    build = sub.add_parser("build", parents=[common], help="(re)build the saved index")
    build.add_argument("--force", action="store_true", help="rebuild even if it is current")
    build.add_argument("--workers", type=int, help="processes that read and analyse the "
                       f"articles (default: one per core from {POOL_MIN_FILES} files on)")

    sub.add_parser("articles", parents=[common], help="list the articles and their ids")

    add = sub.add_parser("add", parents=[common], help="add articles from links, saved pages "
                         "(.html) and RSS/Atom feeds to the articles folder")
    add.add_argument("sources", nargs="+", metavar="SOURCE")
    extract = sub.add_parser("extract", parents=[common], help="print what add would write, "
                             "writing nothing")
    extract.add_argument("sources", nargs="+", metavar="SOURCE")
    extract.add_argument("--json", action="store_true", help="one JSON line per article")
    return parser


def _settings(args: argparse.Namespace) -> tuple[IndexSettings, bool]:
    settings = load_settings(args.config)
    save = True
    if args.seeds:
        settings = replace(settings, seeds=args.seeds)
        save = args.index is not None
    if args.index:
        settings = replace(settings, index_path=args.index)
    return settings, save


def _open(args: argparse.Namespace, rebuild: bool = False) -> SearchIndex:
    settings, save = _settings(args)
    index, _ = open_index(settings, rebuild=rebuild, save_index=save)
    return index


def _json(value, indent: bool = False) -> str:
    """`value` as JSON, non-ASCII as it is. orjson: an answer in 6 µs where the standard
    library took 78 (median at a million sentences): 3% of a question's time."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else 0).decode()


def _print_json_line(value) -> None:
    """`value` as one line of JSON, written and flushed in one piece. `print` wrote the line
    and its newline apart, so a program reading answers line by line over a pipe woke twice
    for each."""
    sys.stdout.flush()  # whatever was printed before goes first
    sys.stdout.buffer.write(orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE))
    sys.stdout.buffer.flush()


def _ask(args: argparse.Namespace) -> int:
    if args.top is not None and not 1 <= args.top <= 25:
        raise UsageError("--top must be between 1 and 25")
    if args.jsonl:
        if args.question:
            raise UsageError("give either a question or --jsonl, not both")
        index = _open(args)
        index.warm()  # as the service does: the first answers pay for no compiling,
        keep_long_lived()  # and no collection scans the index
        for line in sys.stdin:
            question = line.rstrip("\n")
            try:
                payload = answer_json(search(index, question, args.top))
            except QuestionError as exc:
                payload = {"question": question, "grade": "none", "confidence": 0.0,
                           "passages": [], "reason": str(exc), "missing": [], "corrections": {},
                           "evidence": None}
            _print_json_line(payload)  # one answer per question
        return 0
    if not args.question:
        raise UsageError('ask needs a question, e.g. python -m index ask "what did Austin say?"')
    index = _open(args)
    try:
        answer = search(index, args.question, args.top)
    except QuestionError as exc:
        raise UsageError(str(exc))
    if args.json:
        print(_json(answer_json(answer), indent=True))
    else:
        print(answer_text(answer))
    return 0


def _source(args: argparse.Namespace) -> int:
    index = _open(args)
    wanted = args.id.strip()
    passage, article = index.lookup(wanted)
    if article is None:
        print(f"No passage or article has the id {wanted!r}. Ids look like 001 (an article) or "
              f"001.12 (a passage); `python -m index articles` lists the articles.",
              file=sys.stderr)
        return 1
    print(source_text(index, passage, article))
    return 0


def _split(args: argparse.Namespace) -> int:
    """The passages an article file is indexed as, by the same reader the index uses."""
    path = Path("stdin" if args.file == "-" else args.file)
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else path.read_bytes()
        article = parse_article(path, raw)
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}")
    except ArticleError as exc:
        raise UsageError(str(exc))
    for passage in article_passages(article):
        print(_json(passage.text))
    return 0


@contextlib.contextmanager
def _progress_bar(quiet: bool) -> Iterator[Progress | None]:
    """A bar on stderr as the articles are read: on a terminal only, and not with -q."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm  # only for a person watching
    bars: list[tqdm] = []   # made when a build starts: none for an index that is current

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, desc="reading articles", unit=" files",
                             file=sys.stderr))
        bars[0].update(done - bars[0].n)
    try:
        yield progress
    finally:
        for bar in bars:
            bar.close()


def _build(args: argparse.Namespace) -> int:
    settings, save = _settings(args)
    if not save:
        raise UsageError("build with --seeds also needs --index PATH (where to save that index)")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    with _progress_bar(args.quiet) as progress:
        index, report = open_index(settings, rebuild=args.force, workers=args.workers,
                                   progress=progress)
    if report.save_error:
        print(f"error: could not save the index to {settings.index_path}: {report.save_error}",
              file=sys.stderr)
        return 1
    state = "built" if report.rebuilt else "already current"
    print(f"{settings.index_path}: {state} ({len(index.articles)} articles, "
          f"{len(index)} passages)")
    return 0


def _articles(args: argparse.Namespace) -> int:
    print(articles_text(_open(args)))
    return 0


def _add(args: argparse.Namespace) -> int:
    from .sources import add_sources  # trafilatura loads in 0.15 s: only for the commands using it
    settings, _ = _settings(args)
    results = add_sources(args.sources, settings.seeds, allow_private=settings.fetch_private)
    for result in results:
        print(result.line())
    return 0 if any(r.article_id for r in results) else 1


def _extract(args: argparse.Namespace) -> int:
    from .sources import read
    settings, _ = _settings(args)
    found = [item for source in args.sources
             for item in read(source, allow_private=settings.fetch_private)]
    for item in found:
        if isinstance(item, Exception):
            print(f"not an article: {item}", file=sys.stderr)
        elif args.json:
            _print_json_line(item.as_json())
        else:
            print(f"# {item.title}\n({item.source}; {item.author or 'no author'}; "
                  f"{item.outlet or 'no outlet'}; {item.published or 'no date'})\n\n{item.text}\n")
    return 0 if any(not isinstance(i, Exception) for i in found) else 1


COMMANDS = {"ask": _ask, "source": _source, "split": _split, "build": _build,
            "articles": _articles, "add": _add, "extract": _extract}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(name)s: %(message)s", stream=sys.stderr)
    try:
        return COMMANDS[args.command](args)
    except (UsageError, SettingsError, DuplicateIdError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
