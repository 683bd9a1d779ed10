"""Loading a large file into a small registry: Person's look-up indexes are built afterwards.

Every index costs each inserted row a B-tree insertion at a random place; when a file brings
more persons than the table holds (a province's first lists), building the indexes once from
the loaded rows is several times cheaper than keeping them up to date row by row. PostgreSQL's
manual gives the same advice ("Populating a Database": remove indexes, load, create them).

The indexes Person.Meta declares on every row are set aside, `source_id`'s among them: while
loading, the import checks re-imported rows against the keys it holds in memory instead. While
they are away other users' look-ups scan the table, which was small. They are built again when
the load ends, however it ends; a process killed outright leaves them out until the next
`person_indexes_restore()`, which every import runs before it starts.
"""

import contextlib
from collections.abc import Iterator

from django.db import connection

from lotus.core.db import sqlite_pragmas
from lotus.registry.models import Person


def _missing_indexes() -> list:
    with connection.cursor() as cursor:
        present = connection.introspection.get_constraints(cursor, Person._meta.db_table)
    return [index for index in Person._meta.indexes if index.name not in present]


def person_indexes_restore() -> int:
    """Build any of Person's declared indexes that are missing; return how many were built."""
    missing = _missing_indexes()
    # Not entered as a context: on SQLite that would refuse to run inside a transaction, and
    # creating an index needs none of what it sets up.
    editor = connection.schema_editor()
    for index in missing:
        editor.execute(index.create_sql(Person, editor))
    return len(missing)


def _drop_sql(editor, name: str) -> str:
    # Index.remove_sql wants the editor entered (for its deferred statements); the plain
    # statement needs nothing.
    table = editor.quote_name(Person._meta.db_table)
    return editor.sql_delete_index % {"table": table, "name": editor.quote_name(name)}


@contextlib.contextmanager
def person_indexes_set_aside() -> Iterator[None]:
    """Drop Person's declared indexes for the duration of a bulk load, and build them after.

    A partial index (a link most persons lack) stays: a loaded row without the link costs it
    nothing, and building it again would read the whole table once more.
    """
    editor = connection.schema_editor()
    missing = {index.name for index in _missing_indexes()}
    for index in Person._meta.indexes:
        if index.condition is None and index.name not in missing:
            editor.execute(_drop_sql(editor, index.name))
    try:
        yield
    finally:
        # On SQLite, CREATE INDEX sorts with a helper thread.
        with sqlite_pragmas(threads=2):
            person_indexes_restore()
