"""Database helpers shared by the apps that write or scan many rows at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from django.db import connection

# A 256 MB page cache (negative: in KiB) and up to 2 GB of memory-mapped reads.
SQLITE_CACHE_SIZE = -262144
SQLITE_MMAP_SIZE = 2**31
# PostgreSQL's limit on the parameters of one statement.
POSTGRESQL_MAX_PARAMETERS = 65_535
MAX_ROWS_PER_INSERT = 1000


@contextmanager
def sqlite_pragmas(**values: int) -> Iterator[None]:
    """On SQLite, set these pragmas on the connection for one call, then put them back.

    Elsewhere it does nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    previous = {}
    with connection.cursor() as cursor:
        for name, value in values.items():
            cursor.execute(f"PRAGMA {name}")
            row = cursor.fetchone()
            previous[name] = int(row[0]) if row else 0
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def roomy_sqlite(*, mmap: bool = True) -> AbstractContextManager[None]:
    """On SQLite, a 256 MB page cache (and, with `mmap`, memory-mapped reads) for one call.

    With the defaults (a 2 MB cache, every page read through a system call) a million-person
    scan or a 450,000-row ranking spends much of its time outside SQLite's own work, and
    each batch of a bulk insert is slower than the one before as the indexes outgrow the
    cache. The previous values are put back afterwards. Elsewhere it does nothing.
    """
    pragmas = {"cache_size": SQLITE_CACHE_SIZE}
    if mmap:
        pragmas["mmap_size"] = SQLITE_MMAP_SIZE
    return sqlite_pragmas(**pragmas)


def rows_per_insert(columns: int) -> int:
    """Rows per multi-row INSERT of `columns` columns within the database's parameter limit.

    SQLite's limit is read from the connection (it depends on the build: 32,766 by default,
    250,000 in Debian's); PostgreSQL takes 65,535. Never more than MAX_ROWS_PER_INSERT rows,
    never fewer than one.
    """
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    else:
        limit = POSTGRESQL_MAX_PARAMETERS
    return max(1, min(MAX_ROWS_PER_INSERT, limit // columns))
