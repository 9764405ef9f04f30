"""Atomic file writes: write a temporary file in the same folder, then rename it into place.

A crash or kill at any point leaves either the old file or the new one, never half of it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(path: Path, write: Callable[[Path], object], *, sync: bool = False) -> None:
    """Call ``write(tmp_path)``, then rename ``tmp_path`` over ``path``.

    ``sync`` flushes the data to disk before the rename (for stores that must survive a
    power loss, not only a killed process).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the mode a plain open() would
    try:
        write(Path(tmp))
        if sync:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes_atomic(path: Path, data: bytes, *, sync: bool = False) -> None:
    write_atomic(path, lambda p: p.write_bytes(data), sync=sync)
