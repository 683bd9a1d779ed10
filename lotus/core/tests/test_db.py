import sqlite3

import pytest
from django.db import connection

from lotus.core.db import (
    MAX_ROWS_PER_INSERT,
    SQLITE_CACHE_SIZE,
    roomy_sqlite,
    rows_per_insert,
    sqlite_pragmas,
)

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the pragmas are SQLite's own"
)


def _pragma(name):
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@sqlite_only
@pytest.mark.django_db
def test_roomy_sqlite_raises_the_cache_inside_and_puts_it_back_after():
    before = _pragma("cache_size")

    with roomy_sqlite():
        inside = _pragma("cache_size")

    assert inside == SQLITE_CACHE_SIZE != before
    assert _pragma("cache_size") == before


@sqlite_only
@pytest.mark.django_db
def test_roomy_sqlite_without_mmap_leaves_the_mmap_size_alone():
    before = _pragma("mmap_size")

    with roomy_sqlite(mmap=False):
        assert _pragma("mmap_size") == before


@sqlite_only
@pytest.mark.django_db
def test_roomy_sqlite_puts_the_cache_back_when_the_call_fails():
    before = _pragma("cache_size")

    with pytest.raises(RuntimeError), roomy_sqlite():
        raise RuntimeError("stop")

    assert _pragma("cache_size") == before


@sqlite_only
@pytest.mark.django_db
def test_sqlite_pragmas_sets_any_pragma_for_the_call_and_puts_it_back():
    before = _pragma("threads")

    with sqlite_pragmas(threads=before + 2):
        inside = _pragma("threads")

    assert inside == before + 2
    assert _pragma("threads") == before


def _parameter_limit():
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return 65_535


@pytest.mark.django_db
def test_rows_per_insert_caps_a_narrow_table_at_a_thousand_rows():
    assert rows_per_insert(1) == MAX_ROWS_PER_INSERT == 1000


@pytest.mark.django_db
def test_rows_per_insert_fills_the_parameter_limit_of_a_wide_table():
    rows = rows_per_insert(5000)

    assert 1 <= rows < MAX_ROWS_PER_INSERT
    assert rows * 5000 <= _parameter_limit() < (rows + 1) * 5000


@pytest.mark.django_db
def test_rows_per_insert_gives_at_least_one_row_to_a_very_wide_table():
    assert rows_per_insert(10**6) == 1
