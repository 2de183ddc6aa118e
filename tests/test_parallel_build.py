"""A build on many processes is the build on one: same arrays, ids, warnings and errors."""

import fcntl
import json
import logging
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from index import workers
from index.articles import DuplicateIdError, article_files
from index.build import Builder, build_data
from index.store import fingerprint, save

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture
def folder(tmp_path) -> Path:
    """Forty articles made of the seeds' paragraphs, each with words of its own (so that the
    processes number different terms and words first), plus a file of every kind of trouble."""
    folder = tmp_path / "articles"
    folder.mkdir()
    paragraphs = [p for path in sorted(SEEDS.iterdir()) for p in
                  path.read_text(encoding="utf-8").split("\n\n")[2:] if len(p) > 80]
    for i in range(40):
        body = [paragraphs[(i * 7 + k) % len(paragraphs)] for k in range(5)]
        body.insert(i % 5, f"The UN and the un-{i} zebra{i} quokka{i % 3} ran at {i}.")
        (folder / f"{i:03d}_story.txt").write_text(
            f"Headline number {i} about Rafah\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
    (folder / "050_empty.txt").write_text("")
    (folder / "051_binary.txt").write_bytes(b"\x00\x01\x02")
    (folder / "052_front.txt").write_text('+++\ntitle = "Odd keys"\ncolour = "red"\n+++\n\n'
                                          "Body text of the odd one.\n", encoding="utf-8")
    return folder


def _saved(data, path: Path) -> dict[str, bytes]:
    """Every file of the saved index, by name: arrays byte for byte, and the manifest."""
    save(data, path)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    arrays = path.parent / manifest.pop("arrays")
    return {"manifest": json.dumps(manifest).encode(),
            **{f.name: f.read_bytes() for f in sorted(arrays.iterdir())}}


def _build(folder: Path, n: int, caplog, previous=None):
    caplog.clear()
    data, warnings = build_data(folder, previous, workers=n)
    logs = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    return data, warnings, logs


def test_a_parallel_build_saves_what_a_serial_build_saves(folder, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    serial, serial_warnings, serial_logs = _build(folder, 1, caplog)
    parallel, parallel_warnings, parallel_logs = _build(folder, 2, caplog)
    assert workers.batch_size(43, 2) < 43 // 2   # each process made several batches
    assert len(serial.articles) == 41 and [a.id for a in serial.articles][-1] == "052"
    assert serial.fingerprint == fingerprint(folder)   # from the bytes each process read
    assert _saved(serial, tmp_path / "a" / "index.json") == \
        _saved(parallel, tmp_path / "b" / "index.json")
    # A file that cannot be read is named the same way, and so is one with odd front matter.
    assert serial_warnings == parallel_warnings and len(serial_warnings) == 2
    assert "050_empty.txt: empty file" in serial_warnings[0]
    assert serial_logs == parallel_logs
    assert ("index.articles", logging.WARNING,
            "052_front.txt: ignoring unknown front matter keys ['colour']") in serial_logs


def test_a_parallel_rebuild_keeps_the_unchanged_articles(folder, tmp_path, caplog):
    before, _, _ = _build(folder, 1, caplog)
    (folder / "007_story.txt").write_text("A new headline\n\nThe zebra crossing was repainted "
                                          "on Monday, officials said.\n", encoding="utf-8")
    (folder / "020_story.txt").unlink()
    kept = Builder(before).kept_by_file
    reads = [read for batch in workers.read_batches(article_files(folder), kept, workers=2)
             for read in batch.files]
    assert [r.name for r in reads if r.analysed] == ["007_story.txt"]
    again, _, _ = _build(folder, 2, caplog, previous=before)
    fresh, _, _ = _build(folder, 1, caplog)
    assert _saved(again, tmp_path / "a" / "index.json") == \
        _saved(fresh, tmp_path / "b" / "index.json")


def test_a_duplicate_id_fails_the_same_both_ways(folder):
    (folder / "031_copy.txt").write_text("Another\n\nBody text here.", encoding="utf-8")
    messages = []
    for n in (1, 2):
        with pytest.raises(DuplicateIdError) as caught:
            build_data(folder, workers=n)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] == \
        "article id '031' is claimed by both 031_copy.txt and 031_story.txt"


def test_progress_is_told_after_each_batch(folder):
    told = []
    build_data(folder, workers=2, progress=lambda done, total: told.append((done, total)))
    assert len(told) > 2 and told[-1] == (43, 43)
    assert [done for done, _ in told] == sorted({done for done, _ in told})


def _cli_build(folder: Path, index: Path, *args: str, tty: bool) -> str:
    """stderr of `python -m index build`, written to a terminal or to a pipe."""
    command = [sys.executable, "-m", "index", "--seeds", str(folder), "--index", str(index),
               "build", *args]
    if not tty:
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=120).stderr
    main, other = pty.openpty()
    fcntl.ioctl(other, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=other):
        os.close(other)
        out = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal closed: the build is over
                break
            if not chunk:
                break
            out += chunk
    os.close(main)
    return out.decode("utf-8", "replace")


def test_the_cli_shows_a_progress_bar_on_a_terminal_only(folder, tmp_path):
    index = tmp_path / "index.json"
    shown = _cli_build(folder, index, "--force", tty=True)
    assert "reading articles: 100%" in shown and "43/43" in shown
    current = _cli_build(folder, index, tty=True)
    assert current == ""   # the index is current: nothing read, no bar
    quiet = _cli_build(folder, index, "--force", "-q", tty=True)
    assert "reading articles" not in quiet and "%|" not in quiet
    assert "skipped 050_empty.txt: empty file" in quiet   # warnings still show
    piped = _cli_build(folder, index, "--force", tty=False)
    assert "reading articles" not in piped and "\r" not in piped
    assert "building the index" in piped   # the log lines are still there


def test_workers_must_be_at_least_one(folder, tmp_path):
    result = subprocess.run([sys.executable, "-m", "index", "--seeds", str(folder), "--index",
                             str(tmp_path / "i.json"), "build", "--workers", "0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr == "error: --workers must be at least 1\n"
