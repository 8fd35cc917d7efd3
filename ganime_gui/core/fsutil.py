"""File-system helpers every writer uses: atomic writes and paths that stay inside a folder."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from ganime_gui.core.jobs import UserError


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[IO]:
    """Write to a temporary file beside ``path``, then rename it over ``path``.

    Readers see the old file or the new one, never half of one; a killed process leaves at most
    a stray ``.tmp`` file. A full disk surfaces as a ``UserError`` and the old file stays intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if exc.errno == 28:  # ENOSPC
            raise UserError(f"The disk is full: could not write {path.name}. Free some space and "
                            f"try again; nothing already saved was lost.") from exc
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_write(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_write(path, "w") as fh:
        fh.write(text)


def safe_join(root: str | Path, *parts: str) -> Path:
    """Join untrusted path parts under ``root``; refuse anything that would land outside it.

    A server-supplied name such as ``../../x`` or ``/etc/passwd`` never chooses where we write.
    """
    root = Path(root).resolve()
    candidate = root.joinpath(*parts).resolve()
    if candidate != root and root not in candidate.parents:
        raise UserError(f"Refused a file name that points outside the project: {'/'.join(parts)!r}")
    return candidate
