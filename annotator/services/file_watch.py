"""Whether each import file gave the same bytes to the check and to the store.

An import reads its files twice (the check writes nothing, so an invalid file stores nothing; the
store then commits batch by batch). A file rewritten in between would have the second read store
what was never checked, or stop early and report success. So the first read keeps, per file, its
status (size, time, inode) and a hash of each block of the bytes it read; the second read hashes
the same blocks as it goes, and before each batch commits, the bytes of every record in it (and of
the block they end in) are compared. Any difference is an error naming the file, and nothing read
after the change is stored. Hashing the bytes already being read costs a fraction of parsing them.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from annotator.domain.errors import InputError

if TYPE_CHECKING:  # collections.abc.Buffer from Python 3.12
    from typing_extensions import Buffer

BLOCK = 1 << 20  # bytes per hashed block: a batch's check rereads at most this much


def _status(fd: int) -> tuple[int, int, int, int]:
    found = os.fstat(fd)
    return found.st_size, found.st_mtime_ns, found.st_ino, found.st_dev


@dataclass
class _Print:
    """What the first read of one file saw."""
    status: tuple[int, int, int, int]
    blocks: list[bytes] = field(default_factory=list)  # digests of whole blocks, then of the last part
    size: int = 0  # bytes read


class FileChanged(InputError):
    pass


class FileWatch:
    def __init__(self, shown: dict[Path, Path] | None = None) -> None:
        self.shown = shown or {}  # what messages name, for a pipe's kept copy
        self.prints: dict[Path, _Print] = {}
        self.current: _Reader | None = None  # the file the second read is in
        self.found: FileChanged | None = None  # a change seen as a file was closed

    def recording(self, path: Path) -> BinaryIO:
        """Opens a file for the first read, keeping what it gives."""
        return io.BufferedReader(_Reader(path, self, None))  # (read as open() would: in small steps)

    def verifying(self, path: Path) -> BinaryIO:
        """Opens a file for the second read, which must give what the first did."""
        raw = _Reader(path, self, self.prints.get(path))
        self.current = raw
        return io.BufferedReader(raw)

    def verify(self) -> None:
        """Before a batch commits: the file the second read is in still holds what the first read
        saw, up to the end of the block the read has reached; and every file read to its end did."""
        if self.found is not None:
            raise self.found
        if self.current is not None and not self.current.closed:
            self.current.verify_so_far()

    def changed(self, path: Path, how: str) -> FileChanged:
        return FileChanged(f"the file changed while it was imported ({how}); nothing read after the change was "
                           "stored: import it again once nothing writes to it (what was stored counts as "
                           "already there)", str(self.shown.get(path, path)))


class _Reader(io.RawIOBase):
    """A file's bytes, hashed block by block as they are read: recorded (first read) or compared
    with the first read's (second read)."""

    def __init__(self, path: Path, watch: FileWatch, expected: _Print | None) -> None:
        self.path, self.watch, self.expected = path, watch, expected
        self.file = open(path, "rb", buffering=0)  # noqa: SIM115  held open across reads; closed by close()
        self.print = _Print(_status(self.file.fileno()))
        if expected is not None and self.print.status != expected.status:
            self.file.close()
            raise watch.changed(path, "its size, time or inode differs from the check's")
        self.block = hashlib.sha256()
        self.in_block = 0

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.file.fileno()

    def readinto(self, buffer: Buffer) -> int:
        n = self.file.readinto(buffer)
        if n:
            view = memoryview(buffer)[:n]
            while view:
                take = min(len(view), BLOCK - self.in_block)
                self.block.update(view[:take])
                self.in_block += take
                self.print.size += take
                view = view[take:]
                if self.in_block == BLOCK:
                    self._block_done()
        if self.expected is not None and self.print.size > self.expected.size:
            raise self.watch.changed(self.path, "it holds more than when it was checked")
        return n

    def _block_done(self) -> None:
        digest = self.block.digest()
        if self.expected is not None:
            index = len(self.print.blocks)
            if index >= len(self.expected.blocks) or self.expected.blocks[index] != digest:
                raise self.watch.changed(self.path, f"its bytes from {index * BLOCK} on differ from the check's")
        self.print.blocks.append(digest)
        self.block = hashlib.sha256()
        self.in_block = 0

    def verify_so_far(self) -> None:
        """The current block compared whole: what was read of it, and the rest read apart."""
        expected = self.expected
        if expected is None or self.in_block == 0:
            return
        index = len(self.print.blocks)
        rest = min(BLOCK - self.in_block, expected.size - self.print.size)
        tail = os.pread(self.file.fileno(), rest, self.print.size) if rest > 0 else b""
        block = self.block.copy()
        block.update(tail)
        if (index >= len(expected.blocks) or block.digest() != expected.blocks[index]
                or _status(self.file.fileno()) != expected.status):
            raise self.watch.changed(self.path, f"its bytes from {index * BLOCK} on differ from the check's")

    def close(self) -> None:
        """Never raises (a reader may be closed while another error is on its way): what it finds is
        kept for the watch's next verify()."""
        if self.closed:
            return
        try:
            if self.in_block:
                self._last_part()
            now = _status(self.file.fileno())
            if self.expected is None:
                if now != self.print.status:
                    raise self.watch.changed(self.path, "it was written to while it was checked")
                self.watch.prints[self.path] = self.print
            elif self.print.size != self.expected.size or now != self.expected.status:
                raise self.watch.changed(self.path, "its size, time or inode differs from the check's")
        except FileChanged as exc:
            self.watch.found = self.watch.found or exc
        finally:
            self.file.close()
            super().close()

    def _last_part(self) -> None:
        digest = self.block.digest()
        index = len(self.print.blocks)
        if self.expected is not None and (index >= len(self.expected.blocks) or self.expected.blocks[index] != digest):
            raise self.watch.changed(self.path, f"its bytes from {index * BLOCK} on differ from the check's")
        self.print.blocks.append(digest)
        self.in_block = 0
