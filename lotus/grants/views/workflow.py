"""Workflow buttons, payments, exports, reconciliation, verification and the dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability, scope_for
from lotus.grants import sampling, selectors
from lotus.grants.forms import ExportForm, ResultFileForm, SampleForm, VerificationRecordForm
from lotus.grants.models import (
    Channel,
    PaymentExport,
    PaymentLine,
    ReconciliationImport,
    VerificationRecord,
    VerificationSample,
)
from lotus.grants.services import cycles as cycle_services
from lotus.grants.services.payments import (
    payment_export_create,
    payment_list_issue,
    payment_reissue_failed,
)
from lotus.grants.services.reconciliation import reconciliation_import
from lotus.grants.services.verification import (
    verification_record_set,
    verification_sample_draw,
)

TRANSITIONS = {
    "lock": cycle_services.cycle_lock_targeting,
    "unlock": cycle_services.cycle_unlock_targeting,
    "approve": cycle_services.cycle_approve,
    "issue": payment_list_issue,
    "reconciled": cycle_services.cycle_mark_reconciled,
    "close": cycle_services.cycle_close,
}


@login_required
@require_POST
def cycle_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One button per workflow step; the service checks who may press it and when."""
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    service = TRANSITIONS.get(action)
    if service is None:
        raise Http404
    try:
        service(actor=request.user, cycle=cycle)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        cycle.refresh_from_db()
        messages.success(request, _("Done: the cycle is now “%s”.") % cycle.get_status_display())
    return redirect("grants:cycle_detail", cycle.pk)


@login_required
def payment_list(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    lines = selectors.payment_line_list(
        user=request.user, cycle=cycle, status=status, channel=channel
    )
    page = Paginator(lines, 50).get_page(request.GET.get("page"))
    context = {
        "cycle": cycle,
        "page": page,
        "status": status,
        "channel": channel,
        "statuses": PaymentLine.Status.choices,
        "channels": Channel.choices,
        "batches": cycle.batches.select_related("issued_by"),
        "export_form": ExportForm(),
        "failed_waiting": lines.model.objects.filter(
            cycle=cycle, status=PaymentLine.Status.FAILED, reissued=False
        ).count(),
    }
    return render(request, "grants/payment_list.html", context)


@login_required
@require_POST
def payment_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a protected file and show its password once; it is not stored anywhere."""
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a channel and a format."))
        return redirect("grants:payment_list", cycle.pk)
    batch = get_object_or_404(cycle.batches, pk=form.cleaned_data["batch"])
    try:
        export, password = payment_export_create(
            actor=request.user,
            batch=batch,
            channel=form.cleaned_data["channel"],
            fmt=form.cleaned_data["fmt"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("grants:payment_list", cycle.pk)
    response = render(
        request,
        "grants/payment_export_done.html",
        {"cycle": cycle, "export": export, "password": password},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def payment_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, Capability.EXPORT)
    export = get_object_or_404(PaymentExport.objects.select_related("batch"), pk=pk)
    selectors.cycle_get(user=request.user, pk=export.batch.cycle_id)
    if export.created_by_id != request.user.pk:
        raise PermissionDenied
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if export.fmt == PaymentExport.Format.XLSX
        else "application/zip"
    )
    response = HttpResponse(bytes(export.content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
def payment_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Post-office pick-up lists, one page per commune, with a signature column."""
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    batch_id = request.GET.get("batch")
    sheets = selectors.post_office_sheets(
        user=request.user, cycle=cycle, batch_id=int(batch_id) if batch_id else None
    )
    return render(request, "grants/payment_print.html", {"cycle": cycle, "sheets": sheets})


@login_required
@require_POST
def payment_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    try:
        batch = payment_reissue_failed(actor=request.user, cycle=cycle)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(n)s failed payments reissued in list #%(b)s.")
            % {"n": batch.line_count, "b": batch.number},
        )
    return redirect("grants:payment_list", cycle.pk)


@login_required
@require_http_methods(["GET", "POST"])
def reconciliation(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = ResultFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = reconciliation_import(
                actor=request.user, cycle=cycle, filename=upload.name, content=upload.read()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if result.already_imported:
                messages.warning(request, _("This file was imported before: nothing changed."))
            return redirect("grants:import_detail", result.pk)
    imports = cycle.imports.select_related("imported_by")
    return render(
        request, "grants/reconciliation.html", {"cycle": cycle, "form": form, "imports": imports}
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(ReconciliationImport, pk=pk)
    cycle = selectors.cycle_get(user=request.user, pk=source.cycle_id)
    if not selectors.can_see_persons(scope_for(request.user)):
        raise PermissionDenied
    problems = source.rows.exclude(outcome__in=["paid", "failed", "unchanged"])
    page = Paginator(problems, 100).get_page(request.GET.get("page"))
    return render(
        request, "grants/import_detail.html", {"cycle": cycle, "source": source, "page": page}
    )


@login_required
@require_http_methods(["GET", "POST"])
def verification(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = SampleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sample = verification_sample_draw(actor=request.user, cycle=cycle, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("grants:sample_detail", sample.pk)
    samples = [
        (sample, selectors.sample_report(sample=sample))
        for sample in cycle.samples.select_related("drawn_by")
    ]
    return render(
        request, "grants/verification.html", {"cycle": cycle, "form": form, "samples": samples}
    )


@login_required
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sample = get_object_or_404(VerificationSample, pk=pk)
    cycle = selectors.cycle_get(user=request.user, pk=sample.cycle_id)
    records = selectors.verification_record_list(user=request.user, sample=sample)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    context = {
        "cycle": cycle,
        "sample": sample,
        "page": page,
        "report": selectors.sample_report(sample=sample),
        "outcomes": VerificationRecord.Outcome.choices,
        "formula": sampling.__doc__,
    }
    return render(request, "grants/sample_detail.html", context)


@login_required
@require_POST
def verification_record(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(VerificationRecord.objects.select_related("sample"), pk=pk)
    selectors.cycle_get(user=request.user, pk=record.sample.cycle_id)
    record = get_object_or_404(
        selectors.verification_record_list(user=request.user, sample=record.sample), pk=pk
    )
    form = VerificationRecordForm(request.POST, instance=record)
    if form.is_valid():
        try:
            verification_record_set(
                actor=request.user,
                record=record,
                outcome=form.cleaned_data["outcome"],
                problem=form.cleaned_data["problem"],
                checked_on=form.cleaned_data["checked_on"] or selectors.today(),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Check the outcome and the date."))
    if request.htmx:
        return render(
            request,
            "grants/_record_row.html",
            {"record": record, "outcomes": VerificationRecord.Outcome.choices},
        )
    return redirect("grants:sample_detail", record.sample_id)


@login_required
def cycle_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    board = selectors.cycle_dashboard(user=request.user, cycle=cycle)
    return render(request, "grants/cycle_dashboard.html", {"cycle": cycle, "board": board})
