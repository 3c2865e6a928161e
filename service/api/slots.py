"""Admission slots for a model server that several API processes share, counted in one SQLite file.

Replicas of the API (``--workers N``, or containers sharing the ``DATA_DIR`` volume) that talk to
one model server must share its queue: each replica counting only its own requests would let N
times the queue wait on the server, and the overflow would time out (504) instead of being told
to come back later (429). A slot is a row; taking one is one ``BEGIN IMMEDIATE`` transaction, so
two processes can never both take the last. A row whose process died is dropped: at once when the
process ran on this host (its pid is gone), else when its lease runs out.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from contextlib import closing
from pathlib import Path


class SharedSlots:
    def __init__(self, path: Path, backend: str, capacity: int, lease_s: float) -> None:
        self.path = path
        self.backend = backend  # what the slots admit to (the model server's URL and model)
        self.capacity = capacity
        self.lease_s = lease_s
        self._host = socket.gethostname()
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS slots (holder TEXT PRIMARY KEY, backend TEXT NOT NULL, "
                "host TEXT NOT NULL, pid INTEGER NOT NULL, expires REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def take(self) -> str | None:
        """A slot's holder id, or None when every slot is held."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            self._drop_dead(db)
            if self._held(db) >= self.capacity:
                db.execute("ROLLBACK")
                return None
            holder = uuid.uuid4().hex
            db.execute(
                "INSERT INTO slots VALUES (?, ?, ?, ?, ?)",
                (holder, self.backend, self._host, os.getpid(), time.time() + self.lease_s),
            )
            db.execute("COMMIT")
            return holder

    def give_back(self, holder: str) -> None:
        with closing(self._connect()) as db:
            db.execute("DELETE FROM slots WHERE holder = ?", (holder,))

    def held(self) -> int:
        """Slots held now, by every process."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            self._drop_dead(db)
            held = self._held(db)
            db.execute("COMMIT")
            return held

    def _held(self, db: sqlite3.Connection) -> int:
        return db.execute("SELECT count(*) FROM slots WHERE backend = ? AND expires >= ?", (self.backend, time.time())).fetchone()[
            0
        ]

    def _drop_dead(self, db: sqlite3.Connection) -> None:
        db.execute("DELETE FROM slots WHERE expires < ?", (time.time(),))
        pids = [p for (p,) in db.execute("SELECT DISTINCT pid FROM slots WHERE host = ?", (self._host,))]
        for pid in pids:
            if not _alive(pid):
                db.execute("DELETE FROM slots WHERE host = ? AND pid = ?", (self._host, pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
