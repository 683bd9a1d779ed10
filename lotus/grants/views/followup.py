"""Grievances, overpayments, livelihood surveys, trainings and payout accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import communes_in_scope, require_capability, scope_for
from lotus.grants import selectors
from lotus.grants.forms import (
    AttendanceForm,
    GrievanceForm,
    GrievanceUpdateForm,
    OverpaymentForm,
    PayoutAccountForm,
    SurveyForm,
    TrainingForm,
)
from lotus.grants.models import PaymentLine, PayoutAccount, Training
from lotus.grants.services import followup
from lotus.registry.selectors import person_get


def _communes_of(user: User, cycle=None):
    """Communes the user covers (of the cycle's provinces, when given)."""
    communes = communes_in_scope(scope_for(user))
    if cycle is not None:
        communes = communes.filter(province__in=cycle.provinces.all())
    return communes


@login_required
def grievance_list(request: HttpRequest) -> HttpResponse:
    overdue = request.GET.get("overdue") == "1"
    grievances = selectors.grievance_list(user=request.user, overdue=overdue)
    page = Paginator(grievances, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "grants/grievance_list.html",
        {"page": page, "overdue": overdue, "today": selectors.today()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def grievance_create(request: HttpRequest) -> HttpResponse:
    scope = require_capability(request.user, Capability.EDIT)
    form = GrievanceForm(
        request.POST or None,
        cycles=selectors.cycle_list(user=request.user),
        communes=_communes_of(request.user),
        can_safeguard=scope.can(Capability.SAFEGUARDING),
        initial={"received_on": selectors.today()},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            grievance = followup.grievance_create(
                actor=request.user, cycle=data.pop("cycle"), commune=data.pop("commune"), data=data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Grievance recorded, due on %s.") % grievance.due_on.strftime("%d/%m/%Y")
            )
            if selectors.grievance_list(user=request.user).filter(pk=grievance.pk).exists():
                return redirect("grants:grievance_detail", grievance.pk)
            return redirect("grants:grievance_list")
    return render(request, "grants/form.html", {"form": form, "title": _("New grievance")})


@login_required
@require_http_methods(["GET", "POST"])
def grievance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grievance = get_object_or_404(selectors.grievance_list(user=request.user), pk=pk)
    assignees = User.objects.filter(is_active=True).order_by("username")
    scope = scope_for(request.user)
    if not scope.everything:
        assignees = assignees.filter(branch__province_id=grievance.province_id)
    form = GrievanceUpdateForm(
        request.POST or None,
        assignees=assignees,
        initial={
            "status": grievance.status,
            "assignee": grievance.assignee,
            "due_on": grievance.due_on,
            "resolution": grievance.resolution,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            followup.grievance_update(actor=request.user, grievance=grievance, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("grants:grievance_detail", grievance.pk)
    return render(
        request,
        "grants/grievance_detail.html",
        {
            "grievance": grievance,
            "form": form,
            "updates": grievance.updates.select_related("actor"),
        },
    )


@login_required
def overpayment_list(request: HttpRequest) -> HttpResponse:
    overpayments = selectors.overpayment_list(user=request.user)
    return render(request, "grants/overpayment_list.html", {"overpayments": overpayments})


@login_required
@require_POST
def overpayment_update(request: HttpRequest, pk: int) -> HttpResponse:
    overpayment = get_object_or_404(selectors.overpayment_list(user=request.user), pk=pk)
    form = OverpaymentForm(request.POST, instance=overpayment)
    if form.is_valid():
        followup.overpayment_update(
            actor=request.user, overpayment=overpayment, **form.cleaned_data
        )
    return redirect("grants:overpayment_list")


@login_required
@require_http_methods(["GET", "POST"])
def followup_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Livelihood surveys of the grantees and the income-change report."""
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = SurveyForm(request.POST or None, initial={"surveyed_on": selectors.today()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        line = get_object_or_404(selectors.grantee_list(user=request.user, cycle=cycle),
                                 person_id=data.pop("person"))  # fmt: skip
        try:
            followup.survey_record(actor=request.user, cycle=cycle, person=line.person, data=data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Survey recorded for %s.") % line.full_name)
            return redirect(f"{request.path}?q={request.GET.get('q', '')}")
    query = request.GET.get("q", "").strip()
    grantees = selectors.grantee_list(user=request.user, cycle=cycle)
    if query:
        grantees = grantees.filter(full_name__icontains=query) | grantees.filter(
            reference__iexact=query
        )
    page = Paginator(grantees, 25).get_page(request.GET.get("page"))
    context = {
        "cycle": cycle,
        "form": form,
        "page": page,
        "query": query,
        "report": selectors.income_change_report(user=request.user, cycle=cycle),
    }
    return render(request, "grants/followup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def training_list(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = TrainingForm(request.POST or None, communes=_communes_of(request.user, cycle))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            training = followup.training_create(
                actor=request.user, cycle=cycle, commune=data.pop("commune"), data=data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("grants:training_detail", training.pk)
    trainings = selectors.scoped(scope_for(request.user), cycle.trainings.all())
    return render(
        request,
        "grants/training_list.html",
        {"cycle": cycle, "form": form, "trainings": trainings.select_related("commune")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    training = get_object_or_404(
        selectors.scoped(selectors.grants_scope(request.user), Training.objects.all()), pk=pk
    )
    cycle = selectors.cycle_get(user=request.user, pk=training.cycle_id)
    invited = (
        selectors.payment_line_list(user=request.user, cycle=cycle)
        .filter(commune_id=training.commune_id)
        .exclude(status=PaymentLine.Status.FAILED)
        .values("person_id")
    )
    persons = training.attendees.model.objects.filter(pk__in=invited).order_by("full_name")
    form = AttendanceForm(
        request.POST or None, persons=persons, initial={"attendees": training.attendees.all()}
    )
    if request.method == "POST" and form.is_valid():
        followup.training_attendance_set(
            actor=request.user, training=training, persons=form.cleaned_data["attendees"]
        )
        messages.success(request, _("Attendance saved."))
        return redirect("grants:training_detail", training.pk)
    return render(
        request, "grants/training_detail.html", {"cycle": cycle, "training": training, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def payout_account_edit(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = person_get(user=request.user, pk=person_pk)
    require_capability(request.user, Capability.EDIT)
    account = PayoutAccount.objects.filter(person=person).first()
    form = PayoutAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        followup.payout_account_set(actor=request.user, person=person, data=form.cleaned_data)
        messages.success(request, _("Payout account saved for %s.") % person.full_name)
        return redirect("registry:person_detail", person.pk)
    return render(
        request,
        "grants/form.html",
        {"form": form, "title": _("Payout account of %s") % person.full_name},
    )
