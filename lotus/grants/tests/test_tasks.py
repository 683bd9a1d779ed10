import datetime as dt

import pytest
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from lotus.grants import tasks
from lotus.grants.models import Cycle, TargetingRun
from lotus.grants.services.cycles import cycle_criteria_save, cycle_lock_targeting
from lotus.grants.services.targeting import RUN_STEPS
from lotus.grants.tasks import State, run_targeting, targeting_enqueue, targeting_status
from lotus.registry.models import AccessLog, RestrictedFact

WOMEN = {"op": "all", "items": [{"fact": "sex", "cmp": "is", "value": "F"}]}
HIV = {"op": "all", "items": [{"fact": "hiv", "cmp": "is", "value": True}]}
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def women_cycle(cycle, central_manager, make_woman):
    for year in (1960, 1970, 1980):
        make_woman(birth_date=dt.date(year, 1, 1))
    cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=WOMEN, weights={})
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def hiv_cycle(cycle, sensitive_manager, make_woman):
    woman = make_woman()
    make_woman()
    RestrictedFact.objects.create(person=woman, kind="hiv_status")
    cycle_criteria_save(actor=sensitive_manager, cycle=cycle, criteria=HIV, weights={})
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def enqueue(django_capture_on_commit_callbacks):
    """Queue a run as a request would: the task is handed over once the transaction commits."""

    def run(actor, cycle):
        with django_capture_on_commit_callbacks(execute=True):
            targeting_enqueue(actor=actor, cycle=cycle)
        return targeting_status(cycle)

    return run


@pytest.fixture
def queued(women_cycle, central_manager, settings, enqueue):
    """A run queued on a backend that never runs it (as when the worker is busy)."""
    settings.TASKS = DUMMY_TASKS
    enqueue(central_manager, women_cycle)
    return women_cycle


@pytest.mark.django_db
def test_targeting_enqueue_runs_the_targeting_on_the_immediate_backend(
    women_cycle, central_manager, enqueue
):
    status = enqueue(central_manager, women_cycle)

    run = TargetingRun.objects.get(cycle=women_cycle)
    assert (status.state, status.run_id, status.selected, status.eligible) == (
        State.DONE,
        run.pk,
        3,
        3,
    )


@pytest.mark.django_db
def test_run_targeting_reports_every_step_done(women_cycle, central_manager, enqueue):
    status = enqueue(central_manager, women_cycle)

    assert (status.done, status.total, status.percent) == (RUN_STEPS, RUN_STEPS, 100)


@pytest.mark.django_db
def test_targeting_enqueue_records_who_started_the_run_family_name_first(
    women_cycle, central_manager, enqueue
):
    central_manager.last_name, central_manager.first_name = "Trần", "Thị Mai"
    central_manager.save()

    status = enqueue(central_manager, women_cycle)

    assert status.by == "Trần Thị Mai"


@pytest.mark.django_db
def test_targeting_enqueue_leaves_the_run_queued_until_a_worker_takes_it(queued):
    status = targeting_status(queued)

    assert (status.state, status.active, status.percent) == (State.QUEUED, True, 0)
    assert not TargetingRun.objects.filter(cycle=queued).exists()


@pytest.mark.django_db
def test_targeting_enqueue_refuses_a_second_run_while_one_is_under_way(queued, central_manager):
    with pytest.raises(ValidationError) as error:
        targeting_enqueue(actor=central_manager, cycle=queued)

    assert error.value.messages == [str(tasks.RUN_UNDER_WAY)]


@pytest.mark.django_db
def test_targeting_enqueue_refuses_a_cycle_that_is_not_a_draft(
    women_cycle, central_manager, enqueue
):
    enqueue(central_manager, women_cycle)
    cycle_lock_targeting(actor=central_manager, cycle=women_cycle)
    women_cycle.refresh_from_db()

    with pytest.raises(ValidationError):
        targeting_enqueue(actor=central_manager, cycle=women_cycle)


@pytest.mark.django_db
def test_targeting_enqueue_refuses_a_role_that_does_not_run_programmes(
    women_cycle, commune_officer
):
    with pytest.raises(PermissionDenied):
        targeting_enqueue(actor=commune_officer, cycle=women_cycle)


@pytest.mark.django_db
def test_run_targeting_reports_a_cycle_locked_while_queued_as_failed(queued, central_manager):
    Cycle.objects.filter(pk=queued.pk).update(status=Cycle.Status.LOCKED)

    run_targeting.call(cycle_id=queued.pk, actor_id=central_manager.pk)

    status = targeting_status(queued)
    assert status.state == State.FAILED
    with translation.override("en"):
        assert status.error == "Only a draft cycle can be changed."


@pytest.mark.django_db
def test_run_targeting_reports_an_unexpected_stop_and_raises(queued, central_manager, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "targeting_run", broken)

    with pytest.raises(RuntimeError):
        run_targeting.call(cycle_id=queued.pk, actor_id=central_manager.pk)

    status = targeting_status(queued)
    assert status.state == State.FAILED
    with translation.override("en"):
        assert status.error == str(tasks.RUN_STOPPED)


@pytest.mark.django_db
def test_targeting_status_gives_the_error_in_the_reader_language(queued, central_manager):
    Cycle.objects.filter(pk=queued.pk).update(status=Cycle.Status.LOCKED)
    run_targeting.call(cycle_id=queued.pk, actor_id=central_manager.pk)

    status = targeting_status(queued)
    with translation.override("vi"):
        vietnamese = status.error
    with translation.override("en"):
        english = status.error
    assert vietnamese != english
    assert english == "Only a draft cycle can be changed."


@pytest.mark.django_db
def test_targeting_status_reads_a_run_whose_task_failed_as_failed(
    women_cycle, central_manager, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        targeting_enqueue(actor=central_manager, cycle=women_cycle)
    DBTaskResult.objects.update(status="FAILED")

    assert targeting_status(women_cycle).state == State.FAILED


@pytest.mark.django_db
def test_targeting_status_reads_a_run_silent_for_too_long_as_failed(queued):
    key = tasks._key(queued)
    entry = caches["progress"].get(key)
    entry |= {
        "state": State.RUNNING,
        "updated_at": timezone.now() - tasks.STALE_AFTER - dt.timedelta(minutes=1),
    }
    caches["progress"].set(key, entry)

    assert targeting_status(queued).state == State.FAILED


@pytest.mark.django_db
def test_targeting_status_is_empty_for_a_cycle_never_run(women_cycle):
    assert targeting_status(women_cycle).state == ""


# --- restricted facts: only the role that may read them targets on them --------------------


@pytest.mark.django_db
def test_sensitive_manager_saves_criteria_with_an_hiv_condition(hiv_cycle):
    assert Cycle.objects.get(pk=hiv_cycle.pk).criteria == HIV


@pytest.mark.django_db
def test_programme_manager_cannot_save_criteria_with_an_hiv_condition(cycle, central_manager):
    with pytest.raises(ValidationError):
        cycle_criteria_save(actor=central_manager, cycle=cycle, criteria=HIV, weights={})


@pytest.mark.django_db
def test_sensitive_manager_runs_targeting_on_hiv_and_writes_one_access_log_row(
    hiv_cycle, sensitive_manager, enqueue
):
    status = enqueue(sensitive_manager, hiv_cycle)

    assert (status.state, status.selected) == (State.DONE, 1)
    log = AccessLog.objects.get()
    assert (log.actor, log.action, log.facts, log.persons_count) == (
        sensitive_manager,
        AccessLog.Action.BULK_USE,
        "hiv",
        1,
    )


@pytest.mark.django_db
def test_programme_manager_cannot_run_targeting_on_hiv_criteria(hiv_cycle, central_manager):
    with pytest.raises(PermissionDenied):
        targeting_enqueue(actor=central_manager, cycle=hiv_cycle)

    assert not AccessLog.objects.exists()
    assert not TargetingRun.objects.filter(cycle=hiv_cycle).exists()


@pytest.mark.django_db
def test_run_targeting_starts_afresh_when_the_queued_entry_is_gone(queued, central_manager):
    caches["progress"].clear()

    run_targeting.call(cycle_id=queued.pk, actor_id=central_manager.pk)

    status = targeting_status(queued)
    assert (status.state, status.selected) == (State.DONE, 3)
    assert status.started_at is not None
