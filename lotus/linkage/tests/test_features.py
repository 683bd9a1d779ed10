import datetime as dt

from lotus.linkage.features import id_keys, person_features, phone_key


def test_phone_key_reads_old_eleven_digit_mobile_as_the_new_number():
    assert phone_key("01662345678") == phone_key("+84362345678") == "0362345678"


def test_phone_key_restores_the_leading_zero_a_spreadsheet_dropped():
    assert phone_key("912345678") == "0912345678"


def test_id_keys_reads_nine_digits_in_the_cccd_field_as_a_cmnd():
    assert id_keys("012345678", "") == (None, "012345678")


def test_person_features_offers_the_swapped_date():
    record = person_features(
        {"id": 1, "full_name": "Lê Thị Lan", "birth_date": dt.date(1980, 3, 7), "birth_year": 1980}
    )
    assert (record["dob"], record["dob_swap"]) == ("1980-03-07", "1980-07-03")
