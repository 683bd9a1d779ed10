import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from lotus.grants import selectors
from lotus.grants.criteria import FACTS, RESTRICTED_MASK
from lotus.grants.models import Grievance, LivelihoodSurvey, PaymentLine
from lotus.grants.services.cycles import cycle_criteria_save
from lotus.grants.services.followup import grievance_create, survey_record
from lotus.grants.services.targeting import targeting_run
from lotus.registry.models import AccessLog, RestrictedFact

HIV_OR_PREGNANT = {
    "op": "any",
    "items": [
        {"fact": "hiv", "cmp": "is", "value": True},
        {"fact": "pregnant", "cmp": "is", "value": True},
    ],
}


@pytest.fixture
def restricted_cycle(cycle, sensitive_manager, make_woman):
    woman = make_woman()
    RestrictedFact.objects.create(person=woman, kind="hiv_status")
    cycle_criteria_save(
        actor=sensitive_manager, cycle=cycle, criteria=HIV_OR_PREGNANT, weights={"hiv": 3}
    )
    targeting_run(actor=sensitive_manager, cycle=cycle)
    cycle.refresh_from_db()
    cycle.woman = woman
    return cycle


@pytest.mark.django_db
def test_explanation_hides_restricted_condition_from_role_without_read_sensitive(
    restricted_cycle, province_officer
):
    x = selectors.candidate_explanation(
        user=province_officer, cycle=restricted_cycle, person_pk=restricted_cycle.woman.pk
    )

    hiv, pregnant = x.conditions
    assert hiv.met is None and hiv.restricted
    assert pregnant.met is False
    assert x.score is None
    assert x.categories == []
    assert x.candidate.selected
    assert not AccessLog.objects.filter(action="read").exists()


@pytest.mark.django_db
def test_explanation_shows_restricted_condition_to_reader_and_logs_it(
    restricted_cycle, sensitive_manager
):
    x = selectors.candidate_explanation(
        user=sensitive_manager, cycle=restricted_cycle, person_pk=restricted_cycle.woman.pk
    )

    assert x.conditions[0].met is True
    assert x.score == 3
    log = AccessLog.objects.get(action="read")
    assert (log.person_id, log.facts) == (restricted_cycle.woman.pk, "hiv")


@pytest.mark.django_db
def test_dashboard_leaves_out_restricted_categories_and_suppresses_small_counts(
    restricted_cycle, province_officer, sensitive_manager
):
    hidden = selectors.cycle_dashboard(user=province_officer, cycle=restricted_cycle)
    shown = selectors.cycle_dashboard(user=sensitive_manager, cycle=restricted_cycle)

    hiv_label = str(FACTS["hiv"].label)
    assert hiv_label not in [r.label for r in hidden.categories]
    assert hidden.provinces[0].selected is None  # 1 selected: suppressed
    assert hidden.provinces[0].suppressed
    hiv_rows = [r for r in shown.categories if r.label == hiv_label]
    assert hiv_rows and hiv_rows[0].selected == 1


@pytest.mark.django_db
def test_explanation_says_no_consent(cycle, central_manager, make_woman):
    woman = make_woman(consent=False)
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria={}, weights={})
    targeting_run(actor=central_manager, cycle=cycle)

    x = selectors.candidate_explanation(user=central_manager, cycle=cycle, person_pk=woman.pk)

    assert "consent" in x.reason or "đồng ý" in x.reason
    assert not x.candidate.selected


@pytest.mark.django_db
def test_candidate_list_excludes_other_communes(
    cycle, central_manager, commune_officer, make_woman, commune_a2
):
    mine = make_woman()
    make_woman(commune=commune_a2)
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria={}, weights={})
    targeting_run(actor=central_manager, cycle=cycle)

    seen = list(
        selectors.candidate_list(user=commune_officer, cycle=cycle).values_list(
            "person_id", flat=True
        )
    )

    assert seen == [mine.pk]


@pytest.mark.django_db
def test_cycle_list_excludes_cycles_of_other_provinces(cycle, outsider_officer, commune_officer):
    assert list(selectors.cycle_list(user=commune_officer)) == [cycle]
    assert list(selectors.cycle_list(user=outsider_officer)) == []


@pytest.mark.django_db
def test_overdue_grievances_are_listed(issued_cycle, commune_officer, commune_a):
    old = grievance_create(
        actor=commune_officer, cycle=issued_cycle, commune=commune_a,
        data={"channel": "hotline", "category": "not_received", "description": "x",
              "received_on": dt.date.today() - dt.timedelta(days=30)},
    )  # fmt: skip
    grievance_create(
        actor=commune_officer, cycle=issued_cycle, commune=commune_a,
        data={"channel": "online", "category": "feedback", "description": "y"},
    )  # fmt: skip

    overdue = selectors.grievance_list(user=commune_officer, overdue=True)

    assert list(overdue) == [old]
    assert old.due_on == old.received_on + dt.timedelta(days=7)


@pytest.mark.django_db
def test_abuse_grievances_only_for_safeguarding(
    issued_cycle, commune_officer, case_worker, commune_a
):
    grievance_create(
        actor=commune_officer, cycle=issued_cycle, commune=commune_a,
        data={"channel": "hotline", "category": Grievance.Category.ABUSE, "description": "z"},
    )  # fmt: skip

    assert not selectors.grievance_list(user=commune_officer).exists()
    assert selectors.grievance_list(user=case_worker).count() == 1


@pytest.mark.django_db
def test_income_change_report_by_activity(issued_cycle, central_manager, case_worker):
    PaymentLine.objects.filter(cycle=issued_cycle).update(status="paid")
    for i, woman in enumerate(issued_cycle.women):
        for kind, income in (("baseline", 2_000_000), ("follow_up", 3_000_000 + i)):
            survey_record(
                actor=central_manager, cycle=issued_cycle, person=woman,
                data={"kind": kind, "surveyed_on": dt.date(2024, 1, 1),
                      "monthly_income": income, "activity": "livestock"},
            )  # fmt: skip

    report = selectors.income_change_report(user=case_worker, cycle=issued_cycle)
    small = selectors.income_change_report(user=central_manager, cycle=issued_cycle)

    assert small["activities"][0].baseline is None  # fewer than 5 women: suppressed
    (row,) = report["activities"]
    assert (row.women, row.baseline, row.follow_up, row.change_pct) == (
        3,
        2_000_000,
        3_000_001,
        50.0,
    )
    assert LivelihoodSurvey.objects.count() == 6


@pytest.mark.django_db
def test_eligibility_preview_counts_eligible_women_per_province(cycle, central_manager, make_woman):
    from lotus.grants.selectors import eligibility_preview

    make_woman()
    make_woman(is_pregnant=True)
    make_woman(sex="M")
    criteria = {"op": "all", "items": [{"fact": "sex", "cmp": "is", "value": "F"}]}

    rows = eligibility_preview(user=central_manager, cycle=cycle, criteria=criteria)

    assert [(r.province, r.eligible) for r in rows] == [(cycle.provinces.get(), 2)]


@pytest.mark.django_db
def test_eligibility_preview_counts_a_change_made_since_the_last_preview(
    cycle, central_manager, make_woman
):
    from lotus.grants.selectors import eligibility_preview

    make_woman(is_pregnant=True)
    woman = make_woman()
    criteria = {"op": "all", "items": [{"fact": "pregnant", "cmp": "is", "value": True}]}
    eligibility_preview(user=central_manager, cycle=cycle, criteria=criteria)
    woman.is_pregnant = True
    woman.save()

    rows = eligibility_preview(user=central_manager, cycle=cycle, criteria=criteria)

    assert rows[0].eligible == 2


# --- score and rank of a cycle that uses restricted facts -----------------------------------


@pytest.fixture
def two_ranked_on_hiv(cycle, sensitive_manager, make_woman):
    """An (pregnant) and Bích (HIV): Bích ranks first only because of her HIV weight."""
    an = make_woman(given_name="An", is_pregnant=True)
    bich = make_woman(given_name="Bích")
    RestrictedFact.objects.create(person=bich, kind="hiv_status")
    cycle_criteria_save(
        actor=sensitive_manager, cycle=cycle, criteria=HIV_OR_PREGNANT, weights={"hiv": 3}
    )
    targeting_run(actor=sensitive_manager, cycle=cycle)
    cycle.refresh_from_db()
    cycle.an, cycle.bich = an, bich
    return cycle


@pytest.mark.django_db
def test_candidate_list_gives_score_and_rank_to_a_role_that_may_read_restricted_facts(
    two_ranked_on_hiv, sensitive_manager
):
    first = selectors.candidate_list(user=sensitive_manager, cycle=two_ranked_on_hiv)[0]

    assert (first.person_id, first.score, first.overall_rank) == (two_ranked_on_hiv.bich.pk, 3, 1)


@pytest.mark.django_db
def test_candidate_list_withholds_score_and_rank_when_the_cycle_uses_a_restricted_fact(
    two_ranked_on_hiv, province_officer
):
    candidates = selectors.candidate_list(user=province_officer, cycle=two_ranked_on_hiv)

    withheld = [(c.score, c.overall_rank, c.province_rank) for c in candidates]
    assert withheld == [(None, None, None), (None, None, None)]


@pytest.mark.django_db
def test_candidate_list_is_in_name_order_when_the_ranking_is_hidden(
    two_ranked_on_hiv, province_officer
):
    candidates = selectors.candidate_list(user=province_officer, cycle=two_ranked_on_hiv)

    assert [c.person.given_name for c in candidates] == ["An", "Bích"]


@pytest.mark.django_db
def test_candidate_list_drops_restricted_categories_when_the_ranking_is_hidden(
    two_ranked_on_hiv, province_officer
):
    candidates = selectors.candidate_list(user=province_officer, cycle=two_ranked_on_hiv)

    assert [c.flags & RESTRICTED_MASK for c in candidates] == [0, 0]


@pytest.mark.django_db
def test_candidate_list_refuses_to_read_a_hidden_score_by_name(two_ranked_on_hiv, province_officer):
    candidates = selectors.candidate_list(user=province_officer, cycle=two_ranked_on_hiv)

    with pytest.raises(PermissionDenied):
        candidates.values_list("score", flat=True)


@pytest.mark.django_db
def test_candidate_list_values_leave_out_a_hidden_score_and_rank(
    two_ranked_on_hiv, province_officer
):
    row = selectors.candidate_list(user=province_officer, cycle=two_ranked_on_hiv).values()[0]

    assert not {"score", "overall_rank", "province_rank", "flags"} & set(row)


@pytest.mark.django_db
def test_candidate_list_hides_the_ranking_once_the_criteria_use_a_restricted_fact(
    cycle, central_manager, sensitive_manager, province_officer, make_woman
):
    make_woman()
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria={}, weights={})
    targeting_run(actor=central_manager, cycle=cycle)
    cycle_criteria_save(actor=sensitive_manager, cycle=cycle, criteria={}, weights={"hiv": 1})
    cycle.refresh_from_db()

    (candidate,) = selectors.candidate_list(user=province_officer, cycle=cycle)

    assert candidate.overall_rank is None


@pytest.mark.django_db
def test_explanation_gives_score_and_rank_to_a_role_that_may_read_restricted_facts(
    two_ranked_on_hiv, sensitive_manager
):
    x = selectors.candidate_explanation(
        user=sensitive_manager, cycle=two_ranked_on_hiv, person_pk=two_ranked_on_hiv.bich.pk
    )

    assert (x.score, x.rank, x.rank_of, x.quota) == (3, 1, 2, 10)
    assert not x.hides_restricted


@pytest.mark.django_db
def test_explanation_withholds_score_and_rank_when_the_cycle_uses_a_restricted_fact(
    two_ranked_on_hiv, province_officer
):
    x = selectors.candidate_explanation(
        user=province_officer, cycle=two_ranked_on_hiv, person_pk=two_ranked_on_hiv.bich.pk
    )

    assert (x.score, x.rank, x.rank_of, x.quota) == (None, None, None, None)
    assert x.hides_restricted


@pytest.mark.django_db
def test_explanation_withholds_the_candidates_own_score_and_rank(
    two_ranked_on_hiv, province_officer
):
    x = selectors.candidate_explanation(
        user=province_officer, cycle=two_ranked_on_hiv, person_pk=two_ranked_on_hiv.bich.pk
    )

    assert (x.candidate.score, x.candidate.overall_rank, x.candidate.flags) == (None, None, 0)
    assert x.candidate.selected


@pytest.mark.django_db
def test_criteria_version_diffs_leave_out_restricted_weights_for_a_role_without_read_sensitive(
    two_ranked_on_hiv, province_officer
):
    diffs = selectors.criteria_version_diffs(user=province_officer, cycle=two_ranked_on_hiv)

    assert [d.weights for d in diffs] == [[]]


@pytest.mark.django_db
def test_criteria_version_diffs_show_restricted_weights_to_a_role_that_may_read_them(
    two_ranked_on_hiv, sensitive_manager
):
    diffs = selectors.criteria_version_diffs(user=sensitive_manager, cycle=two_ranked_on_hiv)

    assert [d.weights for d in diffs] == [[(str(FACTS["hiv"].label), 0, 3)]]
