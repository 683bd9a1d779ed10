import datetime as dt

import pytest

from lotus.imports.storage import PersonWriter
from lotus.imports.validation import PERSON_FIELDS
from lotus.registry.models import Person

pytestmark = pytest.mark.django_db


def _values(kim_son, **changes) -> dict:
    values = {
        "full_name": "Nguyễn Thị Hoa", "family_name": "Nguyễn", "middle_name": "Thị",
        "given_name": "Hoa", "name_key": "nguyen thi hoa", "birth_year": 1985,
        "birth_date_precision": "year", "commune_id": kim_son.pk,
        "province_id": kim_son.province_id,
    }  # fmt: skip
    return {**values, **changes}


def test_person_writer_gives_fields_a_file_cannot_set_the_model_defaults(kim_son):
    writer = PersonWriter(source="ds")

    (pk,) = writer.insert([writer.row(_values(kim_son), "17")])

    person = Person.objects.get(pk=pk)
    assert (person.is_pregnant, person.relationship_to_head, person.wg_seeing) == (False, "", None)
    assert (person.cccd, person.cccd_verified, person.ethnicity) == ("", False, "")
    assert person.created_at is not None and person.created_at == person.updated_at


def test_person_writer_returns_the_new_ids_in_row_order(kim_son):
    writer = PersonWriter(source="ds")
    writer.rows_per_statement = 2
    rows = [writer.row(_values(kim_son, given_name=f"Hoa {n}"), str(n)) for n in range(5)]

    ids = writer.insert(rows)

    stored = Person.objects.in_bulk(ids)
    assert [stored[pk].source_id for pk in ids] == ["0", "1", "2", "3", "4"]


def test_person_writer_stores_a_source_name_with_quotes_as_written(kim_son):
    writer = PersonWriter(source="Xã O'Môn; -- 100%")

    (pk,) = writer.insert([writer.row(_values(kim_son), "1")])

    assert Person.objects.get(pk=pk).source == "Xã O'Môn; -- 100%"


def test_person_writer_stores_every_field_a_file_can_set(kim_son):
    writer = PersonWriter(source="ds")
    values = _values(
        kim_son, birth_date=dt.date(1985, 6, 15), birth_date_precision="day", sex="M",
        cccd="082085000123", cccd_verified=True, cmnd="123456789", phone="+84912345678",
        phone_verified=True, ethnicity="01", address_text="Ấp 3", address_warning="check",
    )  # fmt: skip
    assert set(values) == set(PERSON_FIELDS)

    (pk,) = writer.insert([writer.row(values, "1")])

    stored = Person.objects.filter(pk=pk).values(*PERSON_FIELDS).get()
    assert stored == values
