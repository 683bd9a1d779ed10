"""The targeting pages: a run in the background with its progress, and what each role sees."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from lotus.grants.criteria import FACTS
from lotus.grants.models import Cycle
from lotus.grants.services.cycles import NOT_DRAFT, cycle_criteria_save
from lotus.grants.services.targeting import targeting_run
from lotus.grants.tasks import run_targeting
from lotus.registry.models import RestrictedFact

WOMEN = {"op": "all", "items": [{"fact": "sex", "cmp": "is", "value": "F"}]}
POLL = {"HX-Request": "true", "HX-Target": "targeting-progress"}
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _url(name, cycle, *args):
    return reverse(name, args=[cycle.pk, *args])


@pytest.fixture
def women_cycle(cycle, central_manager, make_woman):
    for year in (1960, 1970):
        make_woman(birth_date=dt.date(year, 1, 1))
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN, weights={})
    return cycle


@pytest.fixture
def queued(women_cycle, central_manager, client, settings, django_capture_on_commit_callbacks):
    """The manager pressed "Run targeting"; no worker has taken the task yet."""
    settings.TASKS = DUMMY_TASKS
    client.force_login(central_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("grants:cycle_run", women_cycle))
    return women_cycle


@pytest.fixture
def ranked_on_hiv(cycle, sensitive_manager, make_woman):
    """Two selected women; Bích ranks first only because she lives with HIV (weight 3)."""
    an = make_woman(given_name="An", birth_date=dt.date(1960, 1, 1))
    bich = make_woman(given_name="Bích", birth_date=dt.date(1990, 1, 1))
    RestrictedFact.objects.create(person=bich, kind="hiv_status")
    cycle_criteria_save(actor=sensitive_manager, cycle=cycle, criteria=WOMEN, weights={"hiv": 3})
    targeting_run(actor=sensitive_manager, cycle=cycle)
    cycle.refresh_from_db()
    cycle.an, cycle.bich = an, bich
    return cycle


def _names(response):
    return [c.person.given_name for c in response.context["page"]]


# --- the run in the background -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_cycle_run_lands_on_the_selected_women_once_the_run_is_over(
    client, women_cycle, central_manager
):
    client.force_login(central_manager)

    response = client.post(_url("grants:cycle_run", women_cycle))

    assert response.url == _url("grants:candidate_list", women_cycle)
    assert Cycle.objects.get(pk=women_cycle.pk).selected_count == 2


@pytest.mark.django_db
def test_cycle_run_returns_to_the_cycle_page_while_the_run_is_queued(
    client, women_cycle, central_manager, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    client.force_login(central_manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("grants:cycle_run", women_cycle))

    assert response.url == _url("grants:cycle_detail", women_cycle)


@pytest.mark.django_db
def test_cycle_detail_shows_a_polling_progress_bar_while_the_run_is_queued(client, queued):
    content = client.get(_url("grants:cycle_detail", queued)).content.decode()

    assert '<progress max="100" value="0">' in content
    assert 'hx-trigger="every 1s"' in content


@pytest.mark.django_db
def test_cycle_detail_hides_the_run_button_while_a_run_is_under_way(client, queued):
    content = client.get(_url("grants:cycle_detail", queued)).content.decode()

    assert _url("grants:cycle_run", queued) not in content


@pytest.mark.django_db
def test_cycle_detail_poll_returns_only_the_progress_fragment(client, queued):
    response = client.get(_url("grants:cycle_detail", queued), headers=POLL)

    content = response.content.decode()
    assert content.strip().startswith('<section id="targeting-progress"')
    assert "<html" not in content


@pytest.mark.django_db
def test_cycle_detail_poll_sends_the_page_to_the_women_once_the_run_is_done(
    client, queued, central_manager
):
    run_targeting.call(cycle_id=queued.pk, actor_id=central_manager.pk)

    response = client.get(_url("grants:cycle_detail", queued), headers=POLL)

    assert response["HX-Redirect"] == _url("grants:candidate_list", queued)


@pytest.mark.django_db
def test_cycle_detail_says_why_the_last_run_failed(client, queued, central_manager):
    Cycle.objects.filter(pk=queued.pk).update(status=Cycle.Status.LOCKED)
    run_targeting.call(cycle_id=queued.pk, actor_id=central_manager.pk)

    content = client.get(_url("grants:cycle_detail", queued)).content.decode()

    with translation.override("vi"):
        assert f'id="targeting-error">{NOT_DRAFT}<' in content
    assert 'hx-trigger="every 1s"' not in content


@pytest.mark.django_db
def test_cycle_run_forbids_a_manager_who_may_not_read_the_restricted_facts_used(
    client, ranked_on_hiv, central_manager
):
    client.force_login(central_manager)

    response = client.post(_url("grants:cycle_run", ranked_on_hiv))

    assert response.status_code == 403


@pytest.mark.django_db
def test_cycle_detail_tells_a_plain_manager_only_a_reader_can_run_a_restricted_cycle(
    client, ranked_on_hiv, central_manager
):
    client.force_login(central_manager)

    content = client.get(_url("grants:cycle_detail", ranked_on_hiv)).content.decode()

    assert 'id="run-needs-sensitive"' in content
    assert _url("grants:cycle_run", ranked_on_hiv) not in content


@pytest.mark.django_db
def test_cycle_detail_offers_the_run_to_the_sensitive_manager_on_a_restricted_cycle(
    client, ranked_on_hiv, sensitive_manager
):
    client.force_login(sensitive_manager)

    content = client.get(_url("grants:cycle_detail", ranked_on_hiv)).content.decode()

    assert _url("grants:cycle_run", ranked_on_hiv) in content


# --- ranks and scores on a cycle that uses restricted facts --------------------------------


@pytest.mark.django_db
def test_candidate_list_hides_the_rank_from_a_role_that_may_not_read_restricted_facts(
    client, ranked_on_hiv, commune_officer
):
    client.force_login(commune_officer)

    response = client.get(_url("grants:candidate_list", ranked_on_hiv), {"show": "all"})

    assert response.context["ranking_hidden"]
    assert 'id="ranking-hidden"' in response.content.decode()


@pytest.mark.django_db
def test_candidate_list_orders_by_name_when_the_rank_is_hidden(
    client, ranked_on_hiv, commune_officer
):
    client.force_login(commune_officer)

    response = client.get(_url("grants:candidate_list", ranked_on_hiv), {"show": "all"})

    assert _names(response) == ["An", "Bích"]


@pytest.mark.django_db
def test_candidate_list_shows_the_rank_order_to_the_sensitive_manager(
    client, ranked_on_hiv, sensitive_manager
):
    client.force_login(sensitive_manager)

    response = client.get(_url("grants:candidate_list", ranked_on_hiv), {"show": "all"})

    assert not response.context["ranking_hidden"]
    assert _names(response) == ["Bích", "An"]


@pytest.mark.django_db
def test_candidate_list_shows_the_rank_when_the_cycle_uses_no_restricted_fact(
    client, targeted_cycle, commune_officer
):
    client.force_login(commune_officer)

    response = client.get(_url("grants:candidate_list", targeted_cycle))

    assert not response.context["ranking_hidden"]


@pytest.mark.django_db
def test_candidate_explain_withholds_score_and_rank_from_a_role_that_may_not_read_them(
    client, ranked_on_hiv, commune_officer
):
    client.force_login(commune_officer)

    response = client.get(_url("grants:candidate_explain", ranked_on_hiv, ranked_on_hiv.bich.pk))

    x = response.context["x"]
    assert (x.score, x.rank, x.rank_of, x.quota) == (None, None, None, None)
    assert x.candidate.selected
    assert 'id="rank-withheld"' in response.content.decode()


@pytest.mark.django_db
def test_candidate_explain_shows_score_and_rank_to_the_sensitive_manager(
    client, ranked_on_hiv, sensitive_manager
):
    client.force_login(sensitive_manager)

    response = client.get(_url("grants:candidate_explain", ranked_on_hiv, ranked_on_hiv.bich.pk))

    x = response.context["x"]
    assert (x.score, x.rank) == (3, 1)


@pytest.mark.django_db
def test_criteria_history_leaves_out_restricted_weights_for_a_role_that_may_not_read_them(
    client, ranked_on_hiv, commune_officer
):
    client.force_login(commune_officer)

    response = client.get(_url("grants:cycle_criteria_history", ranked_on_hiv))

    labels = [label for d in response.context["versions"] for label, _old, _new in d.weights]
    assert str(FACTS["hiv"].label) not in labels


@pytest.mark.django_db
def test_criteria_history_shows_restricted_weights_to_the_sensitive_manager(
    client, ranked_on_hiv, sensitive_manager
):
    client.force_login(sensitive_manager)

    response = client.get(_url("grants:cycle_criteria_history", ranked_on_hiv))

    labels = [label for d in response.context["versions"] for label, _old, _new in d.weights]
    assert str(FACTS["hiv"].label) in labels


@pytest.mark.django_db
def test_cycle_detail_leaves_out_restricted_weights_for_a_role_that_may_not_read_them(
    client, ranked_on_hiv, commune_officer
):
    client.force_login(commune_officer)

    response = client.get(_url("grants:cycle_detail", ranked_on_hiv))

    assert str(FACTS["hiv"].label) not in [label for label, _w in response.context["weights"]]


@pytest.mark.django_db
def test_dashboard_leaves_out_restricted_categories_for_a_role_that_may_not_read_them(
    client, ranked_on_hiv, commune_officer
):
    client.force_login(commune_officer)

    response = client.get(_url("grants:cycle_dashboard", ranked_on_hiv))

    assert str(FACTS["hiv"].label) not in response.content.decode()


@pytest.mark.django_db
def test_dashboard_shows_restricted_categories_to_the_sensitive_manager(
    client, ranked_on_hiv, sensitive_manager
):
    client.force_login(sensitive_manager)

    response = client.get(_url("grants:cycle_dashboard", ranked_on_hiv))

    assert str(FACTS["hiv"].label) in [r.label for r in response.context["board"].categories]
