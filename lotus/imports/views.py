import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from lotus.imports import reports, selectors, services
from lotus.imports.forms import ImportUploadForm, MappingForm
from lotus.imports.models import ImportJob

PAGE_SIZE = 20
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(selectors.import_job_list(user=request.user), pk=pk)


@login_required
@require_GET
def import_job_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.import_job_list(user=request.user)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "imports/import_job_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def import_job_create(request: HttpRequest) -> HttpResponse:
    profiles = selectors.mapping_profile_list(user=request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, profiles=profiles)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                actor=request.user,
                uploaded_file=form.cleaned_data["file"],
                source=form.cleaned_data["source"],
                source_id_column=form.cleaned_data["source_id_column"],
                mapping_profile=form.cleaned_data["mapping_profile"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if job.status == ImportJob.Status.MAPPING:
                return redirect("imports:import_job_mapping", pk=job.pk)
            return redirect("imports:import_job_detail", pk=job.pk)
    return render(request, "imports/import_job_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def import_job_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.status != ImportJob.Status.MAPPING:
        return redirect("imports:import_job_detail", pk=job.pk)
    form = MappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_job_set_mapping(
                actor=request.user,
                job=job,
                mapping=form.mapping(),
                profile_name=form.cleaned_data["profile_name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("imports:import_job_detail", pk=job.pk)
    return render(request, "imports/import_job_mapping.html", {"job": job, "form": form})


@login_required
@require_GET
def import_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    context = {"job": job, "issue_rows": selectors.import_job_issue_rows(job=job)}
    template = "imports/import_job_detail.html"
    if request.htmx:
        template += "#job-progress"
    return render(request, template, context)


@login_required
@require_GET
def import_job_errors(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    job = _job(request, pk)
    response = StreamingHttpResponse(
        reports.error_report_lines(job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _attachment(reports.error_report_name(job))
    return response


@login_required
@require_GET
def import_job_fix_file(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    # A temporary file, not memory: a large file to fix stays out of the web process's RAM.
    # FileResponse closes it once sent.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    reports.write_fix_file(job, target)
    target.seek(0)
    return FileResponse(
        target,
        as_attachment=True,
        filename=reports.fix_file_name(job),
        content_type=XLSX_TYPE,
    )


def _attachment(name: str) -> str:
    return content_disposition_header(as_attachment=True, filename=name)
