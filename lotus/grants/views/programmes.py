"""Programme and cycle set-up pages, the criteria editor and the targeting results."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability, scope_for
from lotus.grants import selectors
from lotus.grants.criteria import EMPTY_CRITERIA
from lotus.grants.criteria_editor import apply_action, editor_rows, tree_from_post
from lotus.grants.forms import CycleForm, ProgrammeForm, WeightsForm
from lotus.grants.models import Cycle
from lotus.grants.services import cycles as cycle_services
from lotus.grants.services.targeting import QUOTA_RULE, TIE_RULE, targeting_check_may_run
from lotus.grants.tasks import State, TargetingStatus, targeting_enqueue, targeting_status


def _partial(request: HttpRequest, template: str, name: str) -> str:
    return f"{template}#{name}" if request.htmx else template


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = selectors.programme_list(user=request.user)
    cycles = selectors.cycle_list(user=request.user)[:50]
    return render(
        request, "grants/programme_list.html", {"programmes": programmes, "cycles": cycles}
    )


def _form_page(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict], Model],
    *,
    then: str,
    title: str,
    parent: Model | None = None,
) -> HttpResponse:
    """Save a valid POST through `save` and redirect to `then` with the saved object's pk;
    otherwise (a GET, invalid data, or the service's refusal) show grants/form.html."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(dict(form.cleaned_data))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(then, saved.pk)
    context = {"form": form, "title": title}
    if parent is not None:
        context["parent"] = parent
    return render(request, "grants/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest) -> HttpResponse:
    scope = require_capability(request.user, Capability.MANAGE_PROGRAMMES)
    return _form_page(
        request,
        ProgrammeForm(request.POST or None, scope=scope),
        lambda data: cycle_services.programme_create(actor=request.user, data=data),
        then="grants:programme_detail",
        title=_("New programme"),
    )


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(user=request.user, pk=pk)
    cycles = selectors.cycle_list(user=request.user, programme=programme)
    return render(
        request, "grants/programme_detail.html", {"programme": programme, "cycles": cycles}
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(user=request.user, pk=pk)
    scope = require_capability(request.user, Capability.MANAGE_PROGRAMMES)
    return _form_page(
        request,
        ProgrammeForm(request.POST or None, instance=programme, scope=scope),
        lambda data: cycle_services.programme_update(
            actor=request.user, programme=programme, data=data
        ),
        then="grants:programme_detail",
        title=programme.name,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(user=request.user, pk=pk)
    scope = require_capability(request.user, Capability.MANAGE_PROGRAMMES)
    return _form_page(
        request,
        CycleForm(request.POST or None, scope=scope),
        lambda data: cycle_services.cycle_create(
            actor=request.user, programme=programme, data=data
        ),
        then="grants:cycle_criteria",
        title=_("New cycle"),
        parent=programme,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_for_manager(user=request.user, pk=pk)
    return _form_page(
        request,
        CycleForm(request.POST or None, instance=cycle, scope=scope_for(request.user)),
        lambda data: cycle_services.cycle_update(actor=request.user, cycle=cycle, data=data),
        then="grants:cycle_detail",
        title=cycle.name,
    )


def _result_url(request: HttpRequest, cycle: Cycle) -> str:
    """Where a finished targeting run is shown: the selected women, or the cycle's figures."""
    if selectors.can_see_persons(scope_for(request.user)):
        return reverse("grants:candidate_list", args=[cycle.pk])
    return reverse("grants:cycle_detail", args=[cycle.pk])


def _announce_done(request: HttpRequest, status: TargetingStatus) -> None:
    messages.success(
        request,
        _("Targeting done: %(selected)s selected of %(eligible)s eligible.")
        % {"selected": status.selected, "eligible": status.eligible},
    )


def _run_refused(user: User, cycle: Cycle) -> bool:
    """Whether targeting_check_may_run refuses `user` a run of the draft `cycle` she manages:
    its criteria or weights use a restricted fact her role may not read."""
    try:
        targeting_check_may_run(user, cycle)
    except PermissionDenied:
        return True
    return False


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The cycle page; polled by htmx for the progress of a targeting run under way."""
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    targeting = targeting_status(cycle)
    polled = bool(request.htmx) and request.htmx.target == "targeting-progress"
    if polled and targeting.state == State.DONE:
        _announce_done(request, targeting)
        return HttpResponseClientRedirect(_result_url(request, cycle))
    context = {"cycle": cycle, "targeting": targeting}
    if polled:
        return render(request, "grants/cycle_detail.html#targeting-progress", context)
    context |= {
        "tie_rule": TIE_RULE,
        "quota_rule": QUOTA_RULE,
        "quotas": cycle.quotas.select_related("province"),
        "transitions": cycle.transitions.select_related("actor"),
        "approvals": cycle.approvals.select_related("approver"),
        "approvals_needed": cycle_services.approvals_needed(cycle),
        "runs": cycle.runs.select_related("run_by")[:5],
        "criteria_lines": selectors.criteria_lines(cycle),
        "weights": selectors.weight_rows(user=request.user, cycle=cycle),
        "stale": cycle.status == cycle.Status.DRAFT and not cycle.fingerprint,
    }
    if cycle.status == cycle.Status.DRAFT and scope_for(request.user).can(
        Capability.MANAGE_PROGRAMMES
    ):
        # The page offers the run only here; it says why instead when the service would refuse.
        context["run_needs_sensitive"] = _run_refused(request.user, cycle)
    if cycle.status == cycle.Status.ISSUED:
        # The page reads it only to offer "Mark reconciled" on an issued list.
        context["pending_lines"] = selectors.pending_line_count(cycle)
    return render(request, "grants/cycle_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_criteria(request: HttpRequest, pk: int) -> HttpResponse:
    """The criteria editor: every change re-renders the editor and the eligible counts."""
    cycle = selectors.cycle_for_manager(user=request.user, pk=pk)
    allow_restricted = scope_for(request.user).can(Capability.READ_SENSITIVE)
    tree = cycle.criteria or dict(EMPTY_CRITERIA, items=[])
    weights_form = WeightsForm(cycle=cycle, allow_restricted=allow_restricted)
    preview, error = None, None
    if request.method == "POST":
        tree = apply_action(tree_from_post(request.POST), request.POST.get("action", ""))
        weights_form = WeightsForm(request.POST, cycle=cycle, allow_restricted=allow_restricted)
        if request.POST.get("action") == "save" and weights_form.is_valid():
            try:
                cycle_services.cycle_criteria_save(
                    actor=request.user,
                    cycle=cycle,
                    criteria=tree,
                    weights=weights_form.weights(),
                    quota_mode=weights_form.cleaned_data["quota_mode"],
                    manual_quotas=weights_form.manual_quotas(),
                )
            except ValidationError as exc:
                error = exc
            else:
                messages.success(request, _("Criteria saved as a new version."))
                if request.htmx:
                    return HttpResponseClientRedirect(
                        reverse("grants:cycle_detail", args=[cycle.pk])
                    )
                return redirect("grants:cycle_detail", cycle.pk)
    try:
        preview = selectors.eligibility_preview(user=request.user, cycle=cycle, criteria=tree)
    except ValidationError as exc:
        error = error or exc
    context = {
        "cycle": cycle,
        "rows": editor_rows(tree, cycle=cycle, allow_restricted=allow_restricted),
        "root_op": tree.get("op", "all"),
        "weights_form": weights_form,
        "preview": preview,
        "preview_total": sum(r.eligible for r in preview or []),
        "error": error,
        "editable": cycle.status == cycle.Status.DRAFT,
    }
    return render(
        request, _partial(request, "grants/cycle_criteria.html", "criteria-editor"), context
    )


@login_required
def cycle_criteria_history(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    versions = selectors.criteria_version_diffs(user=request.user, cycle=cycle)
    return render(
        request, "grants/cycle_criteria_history.html", {"cycle": cycle, "versions": versions}
    )


@login_required
@require_POST
def cycle_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a targeting run; the cycle page shows its progress, then its result."""
    cycle = selectors.cycle_for_manager(user=request.user, pk=pk)
    try:
        status = targeting_enqueue(actor=request.user, cycle=cycle)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("grants:cycle_detail", cycle.pk)
    if status.state == State.DONE:
        # The task backend ran it at once (or the worker was that quick).
        _announce_done(request, status)
        return redirect(_result_url(request, cycle))
    return redirect("grants:cycle_detail", cycle.pk)


@login_required
def candidate_list(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    show = request.GET.get("show", "selected")
    query = request.GET.get("q", "").strip()
    selected = {"selected": True, "others": False}.get(show)
    candidates = selectors.candidate_list(
        user=request.user, cycle=cycle, selected=selected, query=query
    )
    page = Paginator(candidates, 50).get_page(request.GET.get("page"))
    context = {
        "cycle": cycle,
        "page": page,
        "show": show,
        "query": query,
        "ranking_hidden": selectors.ranking_hidden(user=request.user, cycle=cycle),
    }
    return render(
        request, _partial(request, "grants/candidate_list.html", "candidate-rows"), context
    )


@login_required
def candidate_explain(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    explanation = selectors.candidate_explanation(
        user=request.user, cycle=cycle, person_pk=person_pk
    )
    return render(request, "grants/candidate_explain.html", {"cycle": cycle, "x": explanation})
