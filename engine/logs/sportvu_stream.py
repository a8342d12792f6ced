"""Decompressed byte streams of raw SportVU files, split into events (engine.logs.sportvu).

``chunks(path, fmt)`` yields the decompressed document in pieces (gzip and plain files
read directly; ``.7z`` through py7zr in a worker thread feeding a bounded queue), and
``pieces(chunks, file)`` cuts that stream into the document head and one event at a
time at the ``"eventId"`` key.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from pathlib import Path
from typing import Iterator

from isal import igzip

from engine.errors import HoopsimDataError

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 18
SEVENZIP_BLOCK = 1 << 15  # compressed bytes per py7zr step: ~0.5-1.5 MB of JSON
MARKER = b'"eventId"'
WHITESPACE = b" \t\r\n"


@contextlib.contextmanager
def chunks(path: Path, fmt: str) -> Iterator[Iterator[bytes]]:
    """Decompressed bytes of the game document, in chunks of about CHUNK_BYTES."""
    if fmt == "7z":
        with _SevenZipStream(path) as stream:
            yield iter(stream)
        return
    # ISA-L's gzip decoder is ~2.5x faster than zlib's on one core (same bytes out)
    opener = igzip.open if fmt == "json.gz" else open
    with opener(path, "rb") as f:
        yield iter(lambda: f.read(CHUNK_BYTES), b"")


class _Cancelled(Exception):
    """Raised inside the 7z worker when the reader stops early."""


class _SevenZipStream:
    """The one .json member of a .7z as a stream of byte chunks.

    py7zr only pushes output into writer objects (its WriterFactory / Py7zIO protocol,
    which this class implements for itself), so extraction runs in a worker thread
    that feeds a bounded queue; stopping early cancels the worker.
    """

    def __init__(self, path: Path):
        import py7zr

        self.file = str(path)
        try:  # py7zr parses untrusted header bytes: any failure is a data error
            self.archive = py7zr.SevenZipFile(path, mode="r")
            self.names = [n for n in self.archive.getnames() if n.lower().endswith(".json")]
            _small_blocks(self.archive, self.names)
        except Exception as err:
            raise HoopsimDataError(self.file, "7z archive",
                                   f"{type(err).__name__}: {err}") from err
        if len(self.names) != 1:
            self.archive.close()
            raise HoopsimDataError(self.file, "7z archive",
                                   f"expected one .json member, found {self.names}")
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.stop = threading.Event()
        self.worker = threading.Thread(target=self._work, name="sportvu-7z", daemon=True)

    def __enter__(self) -> "_SevenZipStream":
        self.worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.worker.join()

    def __iter__(self) -> Iterator[bytes]:
        while (item := self.queue.get()) is not None:
            if isinstance(item, BaseException):
                raise HoopsimDataError(self.file, f"7z member {self.names[0]}",
                                       f"{type(item).__name__}: {item}") from item
            yield item

    def _work(self) -> None:
        try:
            self.archive.extract(targets=self.names, factory=self)
            self._put(None)
        except _Cancelled:
            pass
        except BaseException as err:  # forwarded to the reading thread
            with contextlib.suppress(_Cancelled):
                self._put(err)
        finally:
            self.archive.close()

    def _put(self, item: object) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(queue.Full):
                return self.queue.put(item, timeout=0.05)
        raise _Cancelled

    # py7zr's writer protocol: create() returns the writer; it is written, never read
    def create(self, filename: str) -> "_SevenZipStream":
        return self

    def write(self, data: bytes | bytearray) -> int:
        self._put(data)  # py7zr hands over a fresh buffer per step: no copy needed
        return len(data)

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None


def _small_blocks(archive: object, names: list[str]) -> None:
    """Best effort: make py7zr read SEVENZIP_BLOCK compressed bytes per step.

    py7zr hands each step's whole output to the writer; with its default 1 MiB of
    compressed input that is 15-50 MB of JSON at once, too much for the memory budget.
    It caches one decompressor per folder, so creating it here (with the arguments its
    worker uses) and shrinking its block size is enough; if py7zr's internals differ,
    its default chunking is kept.
    """
    try:
        for member in archive.files:
            if member.filename in names and member.folder is not None:
                member.folder.get_decompressor(member.compressed).block_size = SEVENZIP_BLOCK
    except (AttributeError, TypeError) as err:
        log.debug("py7zr internals differ (%s): default 7z chunking", err)


def pieces(chunks: Iterator[bytes], file: str) -> Iterator[tuple[str, bytes]]:
    """Split the document into ("head", b'{..."events":['), ("event", b'{...},') ...,
    and a final ("tail", last event + b']}'), or ("doc", everything) without events.

    Events are found at the ``"eventId"`` key, which the raw format puts first in each
    event; numbers cannot contain it and strings would escape its quotes.
    """
    buf, cur, scan, kind, dropped = bytearray(), 0, 0, "head", 0
    for chunk in chunks:
        buf += chunk
        while (i := buf.find(MARKER, scan)) >= 0:
            start = i - 1
            while start > cur and buf[start] in WHITESPACE:
                start -= 1
            if start < cur or buf[start] != ord("{"):
                raise HoopsimDataError(file, f"byte {dropped + i}",
                                       'an event must begin with {"eventId":')
            with memoryview(buf) as view:
                piece = bytes(view[cur:start])  # one copy, not two
            yield kind, piece
            kind, cur, scan = "event", start, i + len(MARKER)
        scan = max(scan, len(buf) - len(MARKER) + 1)
        if cur:  # drop what was handed out: the buffer holds about one event
            del buf[:cur]
            scan, cur, dropped = scan - cur, 0, dropped + cur
    yield ("doc" if kind == "head" else "tail"), bytes(buf)
