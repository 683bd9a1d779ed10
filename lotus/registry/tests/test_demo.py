import datetime as dt
from collections import Counter

import pytest

from lotus.accounts.models import Branch
from lotus.accounts.tests.test_demo import build_demo_geography
from lotus.registry.demo import (
    CASH_GRANT_PURPOSE,
    DEMO_SOURCE,
    REGISTRY_PURPOSE,
    demo_communes,
    demo_persons_exist,
    generate_persons,
)
from lotus.registry.models import Consent, Household, Person, RestrictedFact, Sex
from lotus.registry.validators import clean_cccd, clean_cmnd, clean_phone

TODAY = dt.date(2026, 3, 1)


@pytest.fixture
def communes(db):
    build_demo_geography()
    return demo_communes()


def _generate(communes, count=300, seed=7):
    return generate_persons(count=count, seed=seed, communes=communes, today=TODAY)


def _snapshot() -> list[tuple]:
    return list(
        Person.all_objects.order_by("pk").values_list(
            "full_name", "cccd", "cmnd", "phone", "birth_date", "birth_year", "commune__code"
        )
    )


def _delete_demo() -> None:
    Person.all_objects.all().delete()
    Household.objects.all().delete()


@pytest.mark.django_db
def test_generate_persons_is_deterministic_for_a_seed(communes):
    _generate(communes)
    first = _snapshot()
    _delete_demo()

    _generate(communes)

    assert _snapshot() == first


@pytest.mark.django_db
def test_generate_persons_differs_between_seeds(communes):
    _generate(communes, seed=1)
    first = _snapshot()
    _delete_demo()

    _generate(communes, seed=2)

    assert _snapshot() != first


@pytest.mark.django_db
def test_generate_persons_makes_exactly_the_count(communes):
    report = _generate(communes, count=257)

    assert Person.all_objects.filter(source=DEMO_SOURCE).count() == report.persons == 257


@pytest.mark.django_db
def test_generate_persons_makes_cccds_that_agree_with_sex_and_birth_year(communes):
    _generate(communes)

    rows = Person.all_objects.exclude(cccd="").values_list("cccd", "sex", "birth_year")
    assert rows
    assert all(clean_cccd(c, sex=s, birth_year=y) == c for c, s, y in rows)


@pytest.mark.django_db
def test_generate_persons_makes_unique_cccds(communes):
    _generate(communes, count=1000)

    cccds = list(Person.all_objects.exclude(cccd="").values_list("cccd", flat=True))
    assert len(cccds) == len(set(cccds))


@pytest.mark.django_db
def test_generate_persons_gives_older_women_a_cmnd_instead(communes):
    _generate(communes, count=1000)

    rows = Person.all_objects.exclude(cmnd="").values_list("cmnd", "sex", "birth_year", "cccd")
    assert rows
    assert all(
        clean_cmnd(n) == n and len(n) == 9 and s == Sex.FEMALE and y < 1970 and c == ""
        for n, s, y, c in rows
    )


@pytest.mark.django_db
def test_generate_persons_makes_valid_e164_mobile_phones(communes):
    _generate(communes)

    phones = list(Person.all_objects.exclude(phone="").values_list("phone", flat=True))
    assert phones
    assert all(
        clean_phone(p) == p and p[:4] in {"+849", "+843", "+847", "+848", "+845"} for p in phones
    )


@pytest.mark.django_db
def test_generate_persons_draws_nguyen_for_about_38_percent(communes):
    _generate(communes, count=2000)

    share = Person.all_objects.filter(family_name="Nguyễn").count() / 2000
    assert 0.30 <= share <= 0.45


@pytest.mark.django_db
def test_generate_persons_gives_most_women_the_middle_name_thi(communes):
    _generate(communes, count=1000)

    women = Person.all_objects.filter(sex=Sex.FEMALE, birth_year__lt=1995)
    share = women.filter(middle_name__startswith="Thị").count() / women.count()
    assert 0.5 <= share <= 0.9


@pytest.mark.django_db
def test_generate_persons_gives_every_household_one_head_among_its_members(communes):
    _generate(communes)

    households = Household.objects.select_related("head")
    assert all(
        h.head is not None
        and h.head.household_id == h.pk
        and h.members.filter(relationship_to_head=Person.Relationship.HEAD).count() == 1
        for h in households
    )


@pytest.mark.django_db
def test_generate_persons_keeps_households_between_one_and_six_members(communes):
    _generate(communes)

    sizes = Counter(Person.all_objects.values_list("household_id", flat=True))
    assert min(sizes.values()) >= 1
    assert max(sizes.values()) <= 6


@pytest.mark.django_db
def test_generate_persons_makes_woman_headed_households(communes):
    report = _generate(communes)

    woman_headed = Household.objects.filter(head__sex=Sex.FEMALE).count()
    assert 0 < woman_headed < Household.objects.count()
    assert report.woman_headed_households == woman_headed


@pytest.mark.django_db
def test_generate_persons_makes_households_with_children_under_two_and_elders(communes):
    _generate(communes)

    babies = Household.objects.filter(members__birth_year__gte=TODAY.year - 1).distinct()
    elders = Household.objects.filter(members__birth_year__lt=TODAY.year - 61).distinct()
    assert babies.exists()
    assert elders.exists()


@pytest.mark.django_db
def test_generate_persons_keeps_year_only_birth_dates_rare(communes):
    _generate(communes, count=1000)

    year_only = Person.all_objects.filter(birth_date__isnull=True)
    assert 0 < year_only.count() <= 80
    assert all(p.birth_date_precision == "year" for p in year_only)


@pytest.mark.django_db
def test_generate_persons_gives_former_tien_giang_people_the_082_birth_code(communes):
    _generate(communes, count=1000)

    codes = Counter(
        c[:3]
        for c in Person.all_objects.filter(commune__code="28330")
        .exclude(cccd="")
        .values_list("cccd", flat=True)
    )
    assert codes.most_common(1)[0][0] == "082"


@pytest.mark.django_db
def test_generate_persons_fills_search_key_parts_and_province(communes):
    _generate(communes, count=50)

    person = Person.all_objects.select_related("commune").first()
    assert person.name_key == person.name_key.lower()
    assert person.full_name.split(" ")[0] == person.family_name
    assert person.full_name.endswith(person.given_name)
    assert person.province_id == person.commune.province_id
    assert person.address_text.endswith(person.commune.province.name)


@pytest.mark.django_db
def test_generate_persons_writes_hamlets_the_local_way(communes):
    _generate(communes, count=1000)

    south_village = Household.objects.filter(commune__code="28330").first()
    north_village = Household.objects.filter(commune__code="00376").first()
    assert "Ấp " in south_village.address
    assert "Thôn " in north_village.address


@pytest.mark.django_db
def test_generate_persons_enrols_women_in_their_commune_branch(communes):
    _generate(communes, count=1000)

    members = Person.all_objects.filter(union_branch__isnull=False).select_related("union_branch")
    women = Person.all_objects.filter(sex=Sex.FEMALE, birth_year__lte=TODAY.year - 18)
    assert 0.4 <= members.count() / women.count() <= 0.8
    assert all(
        p.sex == Sex.FEMALE
        and p.union_branch.commune_id == p.commune_id
        and p.union_branch.level == Branch.Level.COMMUNE
        and p.member_since <= TODAY
        for p in members
    )


@pytest.mark.django_db
def test_generate_persons_records_registry_and_cash_grant_consents(communes):
    _generate(communes, count=1000)

    persons = Person.all_objects.count()
    registry = Consent.objects.filter(purpose=REGISTRY_PURPOSE).count()
    cash = Consent.objects.filter(purpose=CASH_GRANT_PURPOSE).count()
    assert registry >= 0.95 * persons
    assert 0.5 * persons <= cash < registry


@pytest.mark.django_db
def test_generate_persons_spreads_vulnerability_facts(communes):
    report = _generate(communes, count=2000)

    assert 0.03 <= report.with_disability / report.persons <= 0.12
    assert Person.all_objects.filter(is_pregnant=True, sex=Sex.MALE).count() == 0
    assert Person.all_objects.filter(is_pregnant=True).exists()
    assert Person.all_objects.filter(is_migrant_worker=True).exists()
    assert Person.all_objects.filter(ethnicity="05").exists()


@pytest.mark.django_db
def test_generate_persons_records_a_few_restricted_facts(communes):
    _generate(communes, count=2000)

    kinds = Counter(RestrictedFact.objects.values_list("kind", flat=True))
    assert 0 < kinds["gbv_survivor"] <= 80
    assert kinds["hiv_status"] <= 30


@pytest.mark.django_db
def test_generate_persons_writes_no_history(communes):
    _generate(communes, count=50)

    assert Person.history.count() == 0


@pytest.mark.django_db
def test_demo_communes_span_provinces_with_the_home_commune_first(communes):
    provinces = {c.province.code for c in communes}

    assert communes[0].code == "28330"
    assert provinces == {"82", "79", "01", "19"}


@pytest.mark.django_db
def test_demo_persons_exist_once_generated(communes):
    assert not demo_persons_exist()

    _generate(communes, count=5)

    assert demo_persons_exist()
