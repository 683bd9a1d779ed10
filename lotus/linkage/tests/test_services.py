import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lotus.linkage import services
from lotus.linkage.models import CandidatePair, PersonKey, ReviewDecision
from lotus.linkage.tests.factories import CandidatePairFactory, person
from lotus.registry.models import Person


@pytest.fixture
def registry(commune_a):
    """Two different Nguyễn Thị Hoa of one commune, and a duplicate of the first."""
    hoa_1985 = person(
        "Nguyễn Thị Hoa", commune=commune_a, cccd="079185000001", phone="+84912345001"
    )
    hoa_1992 = person(
        "Nguyễn Thị Hoa",
        commune=commune_a,
        birth_date=dt.date(1992, 2, 3),
        cccd="",
        phone="+84912345002",
    )
    # Typo in the family name, no tone marks, no CCCD, another phone.
    duplicate = person("Ngyuen Thi Hoa", commune=commune_a, cccd="", phone="+84987654321")
    person("Trần Thị Lan", commune=commune_a, birth_date=dt.date(1970, 1, 1))
    return hoa_1985, hoa_1992, duplicate


def _pairs(run):
    return {(p.id_l, p.id_r) for p in run.predictions}


@pytest.mark.django_db
def test_duplicates_find_pairs_a_typo_without_tone_marks(registry):
    hoa_1985, _, duplicate = registry
    run = services.duplicates_find(threshold=0.8)
    assert (hoa_1985.pk, duplicate.pk) in _pairs(run)


@pytest.mark.django_db
def test_duplicates_find_keeps_namesakes_born_in_different_years_apart(registry):
    hoa_1985, hoa_1992, duplicate = registry
    run = services.duplicates_find(threshold=0.5)
    assert (hoa_1985.pk, hoa_1992.pk) not in _pairs(run)
    assert (hoa_1992.pk, duplicate.pk) not in _pairs(run)


@pytest.mark.django_db
def test_duplicates_find_gives_the_same_pairs_every_run(registry):
    first = services.duplicates_find(threshold=0.01, queue=False)
    second = services.duplicates_find(threshold=0.01, queue=False)
    assert [(p.id_l, p.id_r, p.match_probability) for p in first.predictions] == [
        (p.id_l, p.id_r, p.match_probability) for p in second.predictions
    ]


@pytest.mark.django_db
def test_duplicates_find_queues_pairs_with_their_explanation(registry):
    hoa_1985, _, duplicate = registry
    services.duplicates_find()
    pair = CandidatePair.objects.get(person_l=hoa_1985, person_r=duplicate)
    weights = {item["comparison"]: item["weight"] for item in pair.explanation}
    assert weights["dob"] > 0 and weights["phone"] < 0


@pytest.mark.django_db
def test_pair_decided_different_is_never_proposed_again(registry, commune_officer):
    hoa_1985, _, duplicate = registry
    services.duplicates_find()
    pair = CandidatePair.objects.get(person_l=hoa_1985, person_r=duplicate)
    services.pair_decide(actor=commune_officer, pair=pair, decision="different")
    run = services.duplicates_find(threshold=0.01)
    pair.refresh_from_db()
    assert (hoa_1985.pk, duplicate.pk) not in _pairs(run)
    assert pair.status == CandidatePair.Status.DIFFERENT


@pytest.mark.django_db
def test_link_new_persons_queues_a_match_from_the_registry(registry, commune_a):
    hoa_1985, _, _ = registry
    services.person_keys_refresh()
    new = person(
        "NGUYEEXN THIJ HOA", commune=commune_a, cccd="079185000001", phone="", source_id="r7"
    )
    pairs = services.link_new_persons(person_ids=[new.pk])
    assert {(p.person_l_id, p.person_r_id) for p in pairs} >= {(hoa_1985.pk, new.pk)}


@pytest.mark.django_db
def test_link_new_persons_writes_keys_for_new_persons_only(registry, commune_a):
    new = person("Lê Thị Mai", commune=commune_a)
    services.link_new_persons(person_ids=[new.pk])
    assert list(PersonKey.objects.values_list("person_id", flat=True)) == [new.pk]


@pytest.mark.django_db
def test_pair_decide_same_merges_into_the_older_record(commune_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    services.pair_decide(actor=commune_officer, pair=pair, decision="same")
    merged = Person.all_objects.get(pk=pair.person_r_id)
    assert merged.merged_into_id == pair.person_l_id


@pytest.mark.django_db
def test_pair_decide_rejects_a_pair_already_decided(commune_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a, status="different")
    with pytest.raises(ValidationError):
        services.pair_decide(actor=commune_officer, pair=pair, decision="same")


@pytest.mark.django_db
def test_pair_decide_refuses_a_reviewer_outside_one_persons_scope(
    commune_officer, commune_a, commune_b
):
    pair = CandidatePairFactory(person_l__commune=commune_a, person_r__commune=commune_b)
    with pytest.raises(PermissionDenied):
        services.pair_decide(actor=commune_officer, pair=pair, decision="different")


@pytest.mark.django_db
def test_pair_decide_skip_keeps_the_pair_pending(commune_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    services.pair_decide(actor=commune_officer, pair=pair, decision="skip")
    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.PENDING
    assert pair.decisions.get().decision == ReviewDecision.Decision.SKIP


@pytest.mark.django_db
def test_merge_undo_makes_the_record_live_and_reopens_the_pair(commune_officer, commune_a):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    decision = services.pair_decide(actor=commune_officer, pair=pair, decision="same")
    services.merge_undo(actor=commune_officer, record=decision.merge)
    pair.refresh_from_db()
    assert Person.objects.filter(pk=pair.person_r_id).exists()
    assert pair.status == CandidatePair.Status.PENDING


@pytest.mark.django_db
def test_merge_closes_other_pairs_of_the_merged_record_and_undo_reopens_them(
    commune_officer, commune_a
):
    pair = CandidatePairFactory(person_l__commune=commune_a)
    other = CandidatePairFactory(person_l=pair.person_r, person_r__commune=commune_a)
    decision = services.pair_decide(actor=commune_officer, pair=pair, decision="same")
    other.refresh_from_db()
    assert other.status == CandidatePair.Status.SUPERSEDED
    services.merge_undo(actor=commune_officer, record=decision.merge)
    other.refresh_from_db()
    assert other.status == CandidatePair.Status.PENDING


@pytest.mark.django_db
def test_link_new_persons_pairs_new_duplicates_across_blocking_chunks(commune_a, monkeypatch):
    monkeypatch.setattr(services, "BLOCKING_CHUNK", 1)
    first = person("Lê Thị Mai", commune=commune_a, cccd="079185000009", phone="+84912000009")
    second = person("Le Thi Mai", commune=commune_a, cccd="079185000009", phone="+84912000009")
    pairs = services.link_new_persons(person_ids=[first.pk, second.pk])
    assert [(p.person_l_id, p.person_r_id) for p in pairs] == [(first.pk, second.pk)]
