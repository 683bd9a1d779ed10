import pytest
from django.db import connection

from lotus.registry.bulk_load import person_indexes_restore, person_indexes_set_aside
from lotus.registry.models import Person


def _present() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, Person._meta.db_table))


DECLARED = {index.name for index in Person._meta.indexes}


FULL = {index.name for index in Person._meta.indexes if index.condition is None}
PARTIAL = DECLARED - FULL


@pytest.mark.django_db
def test_person_indexes_set_aside_drops_the_full_indexes_while_loading():
    with person_indexes_set_aside():
        assert not FULL & _present()


@pytest.mark.django_db
def test_person_indexes_set_aside_keeps_the_partial_indexes():
    with person_indexes_set_aside():
        assert _present() >= PARTIAL


@pytest.mark.django_db
def test_person_indexes_set_aside_builds_them_again_after_the_load():
    with person_indexes_set_aside():
        pass
    assert _present() >= DECLARED


@pytest.mark.django_db
def test_person_indexes_set_aside_builds_them_again_when_the_load_fails():
    with pytest.raises(RuntimeError), person_indexes_set_aside():
        raise RuntimeError("the file broke off")
    assert _present() >= DECLARED


@pytest.mark.django_db
def test_person_indexes_restore_builds_an_index_a_killed_load_left_out():
    index = Person._meta.indexes[0]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(index.name)}")

    assert person_indexes_restore() == 1
    assert index.name in _present()
