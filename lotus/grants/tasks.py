"""Background work of the cash grants: the targeting run, run by `manage.py db_worker`.

A manager presses "Run targeting": `targeting_enqueue` checks that she may, marks the
cycle's run as queued and queues `run_targeting`, which calls the targeting service with a
progress callback. The cycle page polls `targeting_status` until the run is over, then
shows the result.

Where the state lives: targeting runs in one database transaction (the list is replaced
whole or not at all), so its progress cannot be written to the database — no other
connection would see it before the commit, and on SQLite the write would wait behind the
run's own lock. It goes to the "progress" cache (settings.CACHES), which the web processes
and the worker share. The lasting outcome is the TargetingRun the service writes; the
task's own result in django-tasks tells a run that died before it could report. So the
grants app needs no table of its own for this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist

from lotus.accounts.models import User
from lotus.grants.models import Cycle
from lotus.grants.services.targeting import targeting_check_may_run, targeting_run

PROGRESS_CACHE = "progress"
# Kept a day: long enough for anyone to see how the last run ended.
KEEP_SECONDS = 24 * 3600
# A running run that has not reported for this long has died with its worker.
STALE_AFTER = dt.timedelta(minutes=30)

RUN_UNDER_WAY = _("A targeting run of this cycle is already under way.")
RUN_NOT_ALLOWED = _("You may not run the targeting of this cycle.")
RUN_STOPPED = _(
    "The targeting run stopped before the end; nothing was changed. Run it again, and tell "
    "the administrator if it stops again."
)


class State:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class TargetingStatus:
    """The last targeting run of a cycle as the page shows it ("" state: none known)."""

    state: str = ""
    done: int = 0
    total: int = 0
    by: str = ""
    started_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    # The error in each language of the site, so that every reader gets her own.
    errors: dict[str, str] = field(default_factory=dict)
    run_id: int | None = None
    selected: int = 0
    eligible: int = 0

    @property
    def active(self) -> bool:
        return self.state in (State.QUEUED, State.RUNNING)

    @property
    def percent(self) -> int:
        if self.state == State.DONE:
            return 100
        return self.done * 100 // self.total if self.total else 0

    @property
    def error(self) -> str:
        language = translation.get_language() or settings.LANGUAGE_CODE
        return self.errors.get(language) or self.errors.get(settings.LANGUAGE_CODE, "")


def _key(cycle: Cycle) -> str:
    # The creation time keeps a cycle of a rebuilt database from reading an old entry.
    return f"grants:targeting:{cycle.pk}:{cycle.created_at.timestamp():.6f}"


def _cache():
    return caches[PROGRESS_CACHE]


def _read(cycle: Cycle) -> TargetingStatus:
    stored = _cache().get(_key(cycle)) or {}
    # A plain dict in the cache, so that an entry written by an older version still reads.
    known = {f.name for f in fields(TargetingStatus)}
    return TargetingStatus(**{name: value for name, value in stored.items() if name in known})


def _write(cycle: Cycle, status: TargetingStatus) -> TargetingStatus:
    status = replace(status, updated_at=timezone.now())
    _cache().set(_key(cycle), asdict(status), KEEP_SECONDS)
    return status


def _in_every_language(text: Callable[[], str]) -> dict[str, str]:
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = text()
    return texts


def _failed(status: TargetingStatus, text: Callable[[], str]) -> TargetingStatus:
    return replace(status, state=State.FAILED, errors=_in_every_language(text))


def _stopped() -> str:
    return str(RUN_STOPPED)


def _refusal(exc: ValidationError | PermissionDenied) -> Callable[[], str]:
    """The refusal's message, rendered in whichever language is active when called."""
    if isinstance(exc, ValidationError):
        return lambda: " ".join(exc.messages)
    return lambda: str(exc.args[0] if exc.args else RUN_NOT_ALLOWED)


def targeting_status(cycle: Cycle) -> TargetingStatus:
    """How the cycle's last targeting run stands: queued, running, done or failed.

    A run whose task has failed in django-tasks, or that has not reported for STALE_AFTER,
    died without saying so (its worker was killed): it reads as failed.
    """
    status = _read(cycle)
    if not status.active:
        return status
    silent_since = timezone.now() - STALE_AFTER
    if status.state == State.RUNNING and (status.updated_at or silent_since) <= silent_since:
        return _failed(status, _stopped)
    task_id = _cache().get(_key(cycle) + ":task")
    if task_id and run_targeting.get_backend().supports_get_result:
        try:
            result = run_targeting.get_result(task_id)
        except TaskResultDoesNotExist:
            return _failed(status, _stopped)
        if result.status == TaskResultStatus.FAILED:
            return _failed(status, _stopped)
    return status


def _who(user: User) -> str:
    """Her name as Vietnamese write it, family name first (the login when no name is set)."""
    return f"{user.last_name} {user.first_name}".strip() or user.username


def targeting_enqueue(*, actor: User, cycle: Cycle) -> TargetingStatus:
    """Queue a targeting run of `cycle` for `actor`; returns its status once queued.

    With a task backend that runs tasks at once (tests, no worker), the run is over when
    this returns.

    Raises:
        PermissionDenied: the actor does not run programmes, or the cycle uses restricted
            facts and her role may not read them.
        ValidationError: the cycle is not a draft, or a run of it is already under way.
    """
    targeting_check_may_run(actor, cycle)
    if targeting_status(cycle).active:
        raise ValidationError(RUN_UNDER_WAY)
    now = timezone.now()
    _cache().delete(_key(cycle) + ":task")
    _write(
        cycle,
        TargetingStatus(state=State.QUEUED, by=_who(actor), started_at=now),
    )

    def enqueue() -> None:
        result = run_targeting.enqueue(cycle_id=cycle.pk, actor_id=actor.pk)
        _cache().set(_key(cycle) + ":task", result.id, KEEP_SECONDS)

    transaction.on_commit(enqueue)
    return targeting_status(cycle)


@task()
def run_targeting(cycle_id: int, actor_id: int) -> dict:
    """Run one queued targeting to its end, reporting each stage to the cycle page.

    A refusal (the cycle is no longer a draft, the actor may no longer run it) is reported
    and the task ends normally; any other error is reported as a stop and raised, so that
    django-tasks records it with its traceback.
    """
    cycle = Cycle.objects.select_related("programme").get(pk=cycle_id)
    actor = User.objects.get(pk=actor_id)
    queued = _read(cycle)
    if queued.state != State.QUEUED:
        # The entry written when it was queued is gone (the cache was cleared): start afresh.
        queued = TargetingStatus(by=_who(actor), started_at=timezone.now())
    status = _write(cycle, replace(queued, state=State.RUNNING))

    def progress(done: int, total: int) -> None:
        nonlocal status
        status = _write(cycle, replace(status, done=done, total=total))

    try:
        try:
            # The run checks, on the locked cycle, that she may still run it.
            run = targeting_run(actor=actor, cycle=cycle, progress=progress)
        except (ValidationError, PermissionDenied) as exc:
            text = _refusal(exc)
            _write(cycle, _failed(status, text))
            return {"error": text()}
        _write(
            cycle,
            replace(
                status,
                state=State.DONE,
                done=status.total,
                run_id=run.pk,
                selected=run.selected_count,
                eligible=run.eligible_count,
            ),
        )
    except BaseException:
        _write(cycle, _failed(status, _stopped))
        raise
    return {"run": run.pk, "selected": run.selected_count, "eligible": run.eligible_count}
