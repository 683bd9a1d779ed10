import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lotus.grants.criteria import CATEGORY_BIT, validate_criteria
from lotus.grants.models import Candidate, Cycle, ProvinceQuota, TargetingRun
from lotus.grants.services.cycles import RESTRICTED_LOCK, cycle_criteria_save
from lotus.grants.services.targeting import (
    fingerprint_of,
    largest_remainder,
    targeting_check_may_run,
    targeting_run,
)
from lotus.registry.models import AccessLog, RestrictedFact
from lotus.registry.tests.factories import PersonFactory

WOMEN_18_PLUS = {
    "op": "all",
    "items": [
        {"fact": "sex", "cmp": "is", "value": "F"},
        {"fact": "age", "cmp": "gte", "value": 18},
    ],
}

HIV_WOMEN = {"op": "all", "items": [{"fact": "hiv", "cmp": "is", "value": True}]}


def _selected_ids(cycle):
    return list(
        Candidate.objects.filter(cycle=cycle, selected=True)
        .order_by("overall_rank")
        .values_list("person_id", flat=True)
    )


@pytest.mark.django_db
def test_criteria_selects_only_matching_women(cycle, central_manager, make_woman):
    woman = make_woman()
    make_woman(birth_date=dt.date(2010, 1, 1))  # 13 on the reference date
    make_woman(sex="M")
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [woman.pk]


@pytest.mark.django_db
def test_criteria_any_group_matches_either_condition(
    cycle, central_manager, make_woman, make_household
):
    pregnant = make_woman(is_pregnant=True)
    head = make_woman()
    make_household(head)
    make_woman()
    criteria = {
        "op": "any",
        "items": [
            {"fact": "pregnant", "cmp": "is", "value": True},
            {"fact": "woman_headed", "cmp": "is", "value": True},
        ],
    }
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=criteria, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert set(_selected_ids(cycle)) == {pregnant.pk, head.pk}


@pytest.mark.django_db
def test_criteria_child_under_2_uses_household_members(
    cycle, central_manager, make_woman, make_household
):
    mother = make_woman()
    baby = PersonFactory(commune=mother.commune, birth_date=dt.date(2022, 12, 1), sex="M")
    make_household(mother, baby)
    make_woman()
    criteria = {"op": "all", "items": [{"fact": "child_under_2", "cmp": "is", "value": True}]}
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=criteria, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [mother.pk]


@pytest.mark.django_db
def test_criteria_age_at_most_counts_birthday_on_reference_date(cycle, central_manager, make_woman):
    turns_61 = make_woman(birth_date=dt.date(1962, 10, 1))  # 61 on 1 Oct 2023
    still_60 = make_woman(birth_date=dt.date(1962, 10, 2))
    criteria = {"op": "all", "items": [{"fact": "age", "cmp": "lte", "value": 60}]}
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=criteria, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [still_60.pk]
    assert turns_61.pk not in _selected_ids(cycle)


@pytest.mark.django_db
def test_criteria_rejects_restricted_fact_for_role_without_read_sensitive(cycle, central_manager):
    criteria = {"op": "all", "items": [{"fact": "hiv", "cmp": "is", "value": True}]}

    with pytest.raises(ValidationError):
        cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=criteria, weights={})


@pytest.mark.django_db
def test_criteria_rejects_restricted_weight_for_role_without_read_sensitive(cycle, central_manager):
    with pytest.raises(ValidationError):
        cycle_criteria_save(
            actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={"hiv": 2}
        )


@pytest.mark.django_db
def test_criteria_refuses_to_change_restricted_criteria_for_role_without_read_sensitive(
    cycle, central_manager, sensitive_manager
):
    cycle_criteria_save(
        actor=sensitive_manager, cycle=cycle, criteria=HIV_WOMEN, weights={"gbv_survivor": 2}
    )

    with pytest.raises(ValidationError) as caught:
        cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})

    assert caught.value.messages == [str(RESTRICTED_LOCK)]


def test_validate_criteria_rejects_unknown_fact():
    with pytest.raises(ValidationError):
        validate_criteria({"fact": "__import__", "cmp": "is", "value": 1}, allow_restricted=True)


@pytest.mark.django_db
def test_scoring_ranks_higher_weighted_sum_first(cycle, central_manager, make_woman):
    plain = make_woman()
    migrant = make_woman(is_migrant_worker=True)
    pregnant_migrant = make_woman(is_pregnant=True, is_migrant_worker=True)
    cycle_criteria_save(
        actor=central_manager,
        cycle=cycle,
        criteria=WOMEN_18_PLUS,
        weights={"pregnant": 3, "migrant_worker": 2},
    )

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [pregnant_migrant.pk, migrant.pk, plain.pk]
    assert Candidate.objects.get(cycle=cycle, person=pregnant_migrant).score == 5
    flags = Candidate.objects.get(cycle=cycle, person=migrant).flags
    assert flags & CATEGORY_BIT["migrant_worker"]


@pytest.mark.django_db
def test_tie_rule_prefers_older_then_lower_id(cycle, central_manager, make_woman):
    younger = make_woman(birth_date=dt.date(1990, 1, 1))
    older = make_woman(birth_date=dt.date(1970, 1, 1))
    twin_a = make_woman(birth_date=dt.date(1980, 5, 5))
    twin_b = make_woman(birth_date=dt.date(1980, 5, 5))
    year_only = make_woman(birth_date=None, birth_year=1980, birth_date_precision="year")
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [older.pk, twin_a.pk, twin_b.pk, year_only.pk, younger.pk]


@pytest.mark.django_db
def test_selection_stops_at_budget(cycle, central_manager, make_woman):
    cycle.grant_count = None
    cycle.budget = 2 * 5_500_000 + 5_000_000  # pays for two grants
    cycle.save()
    women = [make_woman(birth_date=dt.date(1960 + i, 1, 1)) for i in range(4)]
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [women[0].pk, women[1].pk]


@pytest.mark.django_db
def test_consent_missing_makes_woman_unselectable(cycle, central_manager, make_woman):
    no_consent = make_woman(consent=False, is_pregnant=True)
    consenting = make_woman()
    cycle_criteria_save(
        actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={"pregnant": 5}
    )

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [consenting.pk]
    candidate = Candidate.objects.get(cycle=cycle, person=no_consent)
    assert candidate.blocked == Candidate.Block.NO_CONSENT


@pytest.mark.django_db
def test_consent_withdrawn_makes_woman_unselectable(cycle, central_manager, make_woman):
    woman = make_woman()
    woman.consents.update(withdrawn_on=dt.date(2023, 6, 1))
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == []


def test_largest_remainder_gives_leftover_seats_to_largest_fractions():
    seats = largest_remainder(10, {"a": 5, "b": 3, "c": 2}, {"a": "1", "b": "2", "c": "3"})
    # exact shares 10*5/10=5, 3, 2 — no rounding needed
    assert seats == {"a": 5, "b": 3, "c": 2}
    seats = largest_remainder(7, {"a": 5, "b": 3, "c": 2}, {"a": "1", "b": "2", "c": "3"})
    # shares 3.5, 2.1, 1.4: floors 3, 2, 1 (6 seats); the 7th goes to a (.5 is largest)
    assert seats == {"a": 4, "b": 2, "c": 1}


def test_largest_remainder_breaks_equal_remainders_by_count_then_key():
    seats = largest_remainder(1, {"x": 1, "y": 1}, {"x": "02", "y": "01"})
    assert seats == {"x": 0, "y": 1}


def test_largest_remainder_never_exceeds_counts():
    assert largest_remainder(50, {"a": 3, "b": 4}, {"a": "1", "b": "2"}) == {"a": 3, "b": 4}


@pytest.mark.django_db
def test_proportional_quotas_select_top_of_each_province(
    cycle, central_manager, make_woman, commune_b
):
    cycle.provinces.add(commune_b.province)
    cycle.grant_count = 3
    cycle.save()
    a_women = [make_woman(birth_date=dt.date(1960 + i, 1, 1)) for i in range(4)]
    b_women = [make_woman(commune=commune_b, birth_date=dt.date(1950 + i, 1, 1)) for i in range(2)]
    cycle_criteria_save(
        actor=central_manager,
        cycle=cycle,
        criteria=WOMEN_18_PLUS,
        weights={},
        quota_mode=Cycle.QuotaMode.PROPORTIONAL,
    )

    targeting_run(actor=central_manager, cycle=cycle)

    # shares 3*4/6 = 2 and 3*2/6 = 1
    assert set(_selected_ids(cycle)) == {a_women[0].pk, a_women[1].pk, b_women[0].pk}
    quota = ProvinceQuota.objects.get(cycle=cycle, province=commune_b.province)
    assert (quota.quota, quota.selectable) == (1, 2)


@pytest.mark.django_db
def test_manual_quotas_cannot_exceed_grants(cycle, central_manager, commune_a):
    with pytest.raises(ValidationError):
        cycle_criteria_save(
            actor=central_manager,
            cycle=cycle,
            criteria=WOMEN_18_PLUS,
            weights={},
            quota_mode=Cycle.QuotaMode.MANUAL,
            manual_quotas={commune_a.province_id: 11},
        )


@pytest.mark.django_db
def test_fingerprint_is_same_on_rerun(cycle, central_manager, make_woman):
    for i in range(5):
        make_woman(birth_date=dt.date(1960 + i, 1, 1), is_pregnant=i % 2 == 0)
    cycle_criteria_save(
        actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={"pregnant": 2}
    )

    first = targeting_run(actor=central_manager, cycle=cycle)
    second = targeting_run(actor=central_manager, cycle=cycle)

    assert first.fingerprint == second.fingerprint
    assert len(first.fingerprint) == 64


@pytest.mark.django_db
def test_fingerprint_changes_with_weights(cycle, central_manager, make_woman):
    make_woman(birth_date=dt.date(1960, 1, 1))
    make_woman(birth_date=dt.date(1970, 1, 1), is_pregnant=True)
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})
    first = targeting_run(actor=central_manager, cycle=cycle)
    cycle_criteria_save(
        actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={"pregnant": 1}
    )

    second = targeting_run(actor=central_manager, cycle=cycle)

    assert first.fingerprint != second.fingerprint


@pytest.mark.django_db
def test_run_with_restricted_weight_writes_one_access_log_row(cycle, sensitive_manager, make_woman):
    survivor = make_woman()
    RestrictedFact.objects.create(person=survivor, kind="gbv_survivor")
    make_woman()
    cycle_criteria_save(
        actor=sensitive_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={"gbv_survivor": 4}
    )

    targeting_run(actor=sensitive_manager, cycle=cycle)

    log = AccessLog.objects.get()
    assert (log.action, log.persons_count, log.facts) == ("bulk_use", 1, "gbv_survivor")
    assert _selected_ids(cycle)[0] == survivor.pk


@pytest.mark.django_db
def test_run_refuses_a_role_that_may_not_read_a_restricted_fact_in_the_criteria(
    cycle, central_manager, sensitive_manager, make_woman
):
    RestrictedFact.objects.create(person=make_woman(), kind="hiv_status")
    cycle_criteria_save(actor=sensitive_manager, cycle=cycle, criteria=HIV_WOMEN, weights={})

    with pytest.raises(PermissionDenied):
        targeting_run(actor=central_manager, cycle=cycle)

    assert not TargetingRun.objects.exists()
    assert not Candidate.objects.exists()
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_run_refuses_a_role_that_may_not_read_a_restricted_fact_in_the_weights(
    cycle, central_manager, sensitive_manager, make_woman
):
    make_woman()
    cycle_criteria_save(
        actor=sensitive_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={"gbv_survivor": 4}
    )

    with pytest.raises(PermissionDenied):
        targeting_run(actor=central_manager, cycle=cycle)

    assert not TargetingRun.objects.exists()


@pytest.mark.django_db
def test_check_may_run_gives_the_restricted_facts_a_permitted_role_will_use(
    cycle, sensitive_manager
):
    cycle_criteria_save(
        actor=sensitive_manager, cycle=cycle, criteria=HIV_WOMEN, weights={"gbv_survivor": 4}
    )
    cycle.refresh_from_db()

    assert targeting_check_may_run(sensitive_manager, cycle) == ["gbv_survivor", "hiv"]


@pytest.mark.django_db
def test_run_without_restricted_facts_writes_no_access_log(cycle, central_manager, make_woman):
    survivor = make_woman()
    RestrictedFact.objects.create(person=survivor, kind="gbv_survivor")
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert not AccessLog.objects.exists()
    assert Candidate.objects.get(cycle=cycle).flags == 0


@pytest.mark.django_db
def test_possible_duplicate_is_held_back_until_reviewed(cycle, central_manager, make_woman):
    from django.utils import timezone

    from lotus.linkage.models import CandidatePair

    first, second = make_woman(), make_woman()
    third = make_woman()
    pair = CandidatePair.objects.create(
        person_l=first, person_r=second, match_probability=0.9, match_weight=5.0,
        model_version="test", scored_at=timezone.now(),
    )  # fmt: skip
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [third.pk]
    assert Candidate.objects.get(cycle=cycle, person=first).blocked == Candidate.Block.HELD
    pair.status = CandidatePair.Status.DIFFERENT
    pair.save()
    targeting_run(actor=central_manager, cycle=cycle)
    assert set(_selected_ids(cycle)) == {first.pk, second.pk, third.pk}


@pytest.mark.django_db
def test_criteria_age_uses_year_alone_when_only_the_year_is_known(
    cycle, central_manager, make_woman
):
    year_only = make_woman(birth_date=None, birth_year=1963, birth_date_precision="year")
    turned_60 = make_woman(birth_date=dt.date(1963, 10, 1))
    make_woman(birth_date=dt.date(1963, 10, 2))  # 60 the day after the reference date
    criteria = {"op": "all", "items": [{"fact": "age", "cmp": "gte", "value": 60}]}
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=criteria, weights={})

    targeting_run(actor=central_manager, cycle=cycle)

    assert set(_selected_ids(cycle)) == {year_only.pk, turned_60.pk}


@pytest.mark.django_db
def test_targeting_run_reports_progress_from_start_to_every_step(
    cycle, central_manager, make_woman
):
    make_woman()
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})
    calls = []

    targeting_run(actor=central_manager, cycle=cycle, progress=lambda d, t: calls.append((d, t)))

    total = calls[0][1]
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert all(t == total for _, t in calls)


@pytest.mark.django_db
def test_run_leaves_out_a_woman_who_died_since_the_last_run(cycle, central_manager, make_woman):
    woman = make_woman()
    other = make_woman()
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={})
    targeting_run(actor=central_manager, cycle=cycle)
    woman.is_deceased = True
    woman.save()

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [other.pk]


@pytest.mark.django_db
def test_run_selects_a_mother_whose_baby_was_registered_since_the_last_run(
    cycle, central_manager, make_woman, make_household
):
    mother = make_woman()
    household = make_household(mother)
    criteria = {"op": "all", "items": [{"fact": "child_under_2", "cmp": "is", "value": True}]}
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=criteria, weights={})
    targeting_run(actor=central_manager, cycle=cycle)
    assert _selected_ids(cycle) == []
    PersonFactory(
        commune=mother.commune, birth_date=dt.date(2023, 5, 1), sex="M", household=household
    )

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == [mother.pk]


@pytest.mark.django_db
def test_run_stops_selecting_a_woman_whose_household_head_changed(
    cycle, central_manager, make_woman, make_household
):
    head = make_woman()
    wife = make_woman()
    make_household(head, wife)
    criteria = {"op": "all", "items": [{"fact": "woman_headed", "cmp": "is", "value": True}]}
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=criteria, weights={})
    targeting_run(actor=central_manager, cycle=cycle)
    assert set(_selected_ids(cycle)) == {head.pk, wife.pk}
    head.sex = "M"
    head.save()

    targeting_run(actor=central_manager, cycle=cycle)

    assert _selected_ids(cycle) == []


@pytest.mark.django_db
def test_run_fingerprint_hashes_the_selected_list_in_rank_order(cycle, central_manager, make_woman):
    from lotus.grants.services.targeting import inputs_digest, selection_fingerprint

    for i in range(4):
        make_woman(birth_date=dt.date(1960 + i, 1, 1), is_pregnant=i % 2 == 1)
    cycle_criteria_save(
        actor=central_manager, cycle=cycle, criteria=WOMEN_18_PLUS, weights={"pregnant": 2}
    )

    run = targeting_run(actor=central_manager, cycle=cycle)

    cycle.refresh_from_db()
    assert run.fingerprint == selection_fingerprint(cycle, inputs_digest(cycle))


def test_fingerprint_of_hashes_the_digest_then_one_id_score_line_per_selected_woman():
    expected = hashlib.sha256(b"abc\n7:30\n3:12").hexdigest()

    assert fingerprint_of("abc", [(7, 30), (3, 12)]) == expected
