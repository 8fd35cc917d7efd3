"""File-system helpers every writer uses: atomic writes and paths that stay inside a folder.

:func:`atomic_path` is the one way the app writes a file it keeps: the data goes to a temporary
file beside the target, which is renamed over the target only when it is complete. Readers see
the old file or the new one, never half of one; a killed process leaves at most a stray
temporary file (named ``.<name>.<random><suffix>``, which folder scans skip). The final file gets
the mode the user's umask gives a new file (0644 with the usual umask 022), not mkstemp's 0600.
"""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from ganime_gui.core.jobs import UserError


def _current_umask() -> int:
    mask = os.umask(0o022)   # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a newly created file gets under the user's umask (0644 for umask 022)."""
    return 0o666 & ~_UMASK


_UMASK = _current_umask()


class DiskFull(UserError):
    """The disk (or the user's quota) is full: nothing half-written was kept."""


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))


def disk_full_error(name: str, exc: OSError | None = None) -> DiskFull:
    return DiskFull(f"The disk is full: could not write {name}. Free some space and try again; "
                    f"nothing already saved was lost.")


@contextlib.contextmanager
def temp_path(folder: str | Path, *, prefix: str = ".", suffix: str = ".tmp") -> Iterator[Path]:
    """A new empty temporary file in ``folder``, removed when the block ends unless
    :func:`commit` gave it its final name (for files named only once written, by their md5)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
        os.close(fd)
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full_error(folder.name, exc) from exc
        raise
    tmp = Path(tmp_name)
    try:
        yield tmp
    except BaseException as exc:
        if is_disk_full(exc):
            raise disk_full_error(tmp.name, exc) from exc  # type: ignore[arg-type]
        raise
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def commit(tmp: Path, path: str | Path, *, fsync: bool = False) -> None:
    """Give a finished temporary file its final name and the umask's mode, atomically."""
    os.chmod(tmp, file_mode())
    if fsync:
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_path(path: str | Path, *, fsync: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without an error the file
    written there replaces ``path`` (with the umask's mode), otherwise it is removed.

    ``fsync=True`` flushes the data to disk before the rename (files a power cut must not
    empty); caches and re-downloadable files skip it. A full disk raises :class:`DiskFull`.
    """
    path = Path(path)
    with temp_path(path.parent, prefix=f".{path.name}.") as tmp:
        yield tmp
        try:
            commit(tmp, path, fsync=fsync)
        except OSError as exc:
            if is_disk_full(exc):
                raise disk_full_error(path.name, exc) from exc
            raise


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb", *, fsync: bool = True) -> Iterator[IO]:
    """:func:`atomic_path` with the temporary file already open for writing."""
    with atomic_path(path, fsync=fsync) as tmp:
        with open(tmp, mode) as fh:
            yield fh


def atomic_write_bytes(path: str | Path, data: bytes, *, fsync: bool = True) -> None:
    with atomic_write(path, "wb", fsync=fsync) as fh:
        fh.write(data)


def atomic_write_text(path: str | Path, text: str, *, fsync: bool = True) -> None:
    with atomic_write(path, "w", fsync=fsync) as fh:
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
