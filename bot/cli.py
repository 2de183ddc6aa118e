"""`python -m bot`: run the Discord bot, run only the index writer for bots that read, or print
an answer exactly as the bot composes it."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from index.build import open_index
from index.search import QuestionError, search

from .config import Config, ConfigError, load_config
from .render import answer_reply, message, reply_text
from .service import EX_CONFIG, run
from .writer import write


def _common() -> argparse.ArgumentParser:
    """--config, taken before or after the command, as `python -m index` takes it."""
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--config", type=Path, help="config file (run: config.toml; ask: the "
                        "built-in settings)")
    return common


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__,
                                     parents=[_common()])
    parser.set_defaults(config=None)
    common = _common()  # the commands' own copy: set_defaults above must not reach it
    sub = parser.add_subparsers(dest="command", required=True)
    run_ = sub.add_parser("run", parents=[common],
                          help="connect to Discord and answer slash commands")
    run_.add_argument("--shards", help="the shards to run, replacing bot.shard_ids: 3, 0-1 or "
                      "0,2 (a systemd instance name such as newsquote@0-1 gives a range)")
    sub.add_parser("write", parents=[common], help="only build, watch, follow feeds and save the "
                   "index, for readers to serve (no Discord connection, no token)")
    ask = sub.add_parser("ask", parents=[common],
                         help="print the bot's answer to a question (no token, no network)")
    ask.add_argument("question")
    return parser


def _ask(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config) if args.config else Config()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EX_CONFIG
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    try:
        index, _ = open_index(config.index)
    except (ValueError, OSError) as exc:
        print(f"error: cannot load the articles: {exc}", file=sys.stderr)
        return 2
    try:
        reply = answer_reply(search(index, args.question))
    except QuestionError as exc:
        reply = message(str(exc))
    try:
        print(reply_text(reply), flush=True)
    except BrokenPipeError:  # `… | head`: the reader has all it wanted
        sys.stdout = None  # nothing left to flush at exit either
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return run(args.config or Path("config.toml"), getattr(args, "shards", None))
    if args.command == "write":
        return write(args.config or Path("config.toml"))
    return _ask(args)


if __name__ == "__main__":
    sys.exit(main())
