"""SQLite connection handling: one connection per thread, WAL, explicit short transactions.

Why per-thread connections: the UI thread reads while workers write. With WAL, readers never
block the writer and the writer never blocks readers; a generous busy timeout makes concurrent
writers queue instead of failing with "database is locked".
"""
from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

from ganime_gui.core.fsutil import atomic_path
from ganime_gui.core.jobs import UserError

from .schema import MIGRATIONS

BUSY_TIMEOUT_S = 30.0


class Database:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        try:
            self.migrated_from = migrate(self.conn, self.path)
        except sqlite3.DatabaseError as exc:
            self.close()
            if is_busy(exc):
                raise CatalogBusy(busy_message(self.path)) from exc
            if isinstance(exc, sqlite3.OperationalError):  # read-only, full...: its own words
                raise
            raise UserError(
                f"The catalog {self.path.name} could not be read ({exc}). It may be damaged or not a "
                f"GANime catalog. If a copy named {self.path.name}.v<N>.bak is beside it, it is the "
                f"catalog as it was before the last upgrade.") from exc

    # -- connections -------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError("catalog is closed")
            conn = _connect(self.path)
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- statements --------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] | dict = (), default: Any = None) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return default if row is None else row[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work. Nested calls join the outer transaction.

        BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout
        instead of deadlocking when both upgrade from a read.
        """
        conn = self.conn
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                raise CatalogBusy(busy_message(self.path)) from exc
            raise
        self._local.depth = 1
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0


class CatalogBusy(UserError):
    """Another process holds the catalog's write lock for longer than the busy timeout."""


def is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def busy_message(path: Path) -> str:
    return (f"The project's catalog ({path.name}) is in use by another program: another GANime "
            f"window or command is working on this project and did not let go for "
            f"{BUSY_TIMEOUT_S:.0f} s. Close it (or wait for it to finish), then try again.")


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: autocommit; every statement outside `transaction()` commits at once,
    # so each user action is durable the moment it returns.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a killed process; only a power cut may drop the last commit.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _backup(conn: sqlite3.Connection, backup: Path) -> None:
    """A consistent copy of the open catalog (SQLite's backup API, WAL included), written to a
    temporary file and renamed into place: a crash or a full disk leaves no half a backup."""
    with atomic_path(backup, fsync=True) as tmp:
        copy = sqlite3.connect(tmp)
        try:
            conn.backup(copy)
        finally:
            copy.close()


def migrate(conn: sqlite3.Connection, path: Path | None = None) -> int:
    """Bring the schema to the newest version. Returns the version it started from.

    Each step runs in one transaction with the version bump, so a crash mid-migration leaves the
    catalog at the previous version, not half-migrated. An existing catalog is copied aside first.
    """
    current = schema_version(conn)
    latest = len(MIGRATIONS)
    if current > latest:
        raise UserError(
            f"This project's catalog has schema version {current}, but this GANime Studio only knows "
            f"up to {latest}. Update the app to open it."
        )
    if current == latest:
        return current
    if current > 0 and path is not None and path.exists():
        _backup(conn, path.with_name(f"{path.name}.v{current}.bak"))
    for version in range(current + 1, latest + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return current


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (sqlite3 runs one per execute)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
