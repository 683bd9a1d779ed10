import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability, scope_for
from lotus.geo.models import Commune, Province
from lotus.registry import selectors, services
from lotus.registry.forms import (
    ConsentForm,
    ConsentWithdrawForm,
    DeceasedForm,
    HouseholdMemberForm,
    PersonForm,
    RestrictedFactForm,
)
from lotus.registry.matching import likely_existing_matches
from lotus.registry.models import Consent
from lotus.registry.person_links import person_links

PAGE_SIZE = 25


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    province_id = _int_or_none(request.GET.get("province"))
    commune_id = _int_or_none(request.GET.get("commune"))
    persons = selectors.person_list(
        user=request.user, query=query, province_id=province_id, commune_id=commune_id
    )
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    context = {
        "page": page,
        "query": query,
        "province_id": province_id,
        "commune_id": commune_id,
        "provinces": Province.objects.all() if scope.everything else None,
        "communes": _filter_communes(scope, province_id),
    }
    template = "registry/person_list.html"
    if request.htmx and request.htmx.target == "person-results":
        template += "#person-results"
    return render(request, template, context)


def _filter_communes(scope, province_id: int | None):
    if scope.commune_id is not None:
        return None
    province_id = scope.province_id or province_id
    if province_id is None:
        return None
    return Commune.objects.filter(province_id=province_id)


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    household = person.household
    context = {
        "person": person,
        "household": household,
        "household_facts": selectors.household_facts(household) if household else None,
        "consents": person.consents.all(),
        "consent_form": ConsentForm(),
        "withdraw_form": ConsentWithdrawForm(),
        "deceased_form": DeceasedForm(),
        "can_edit": scope_for(request.user).can(Capability.EDIT),
        "can_read_restricted": selectors.can_read_restricted(request.user),
        "candidates": person.commune_candidates.all(),
        "app_links": person_links(user=request.user, person=person),
    }
    return render(request, "registry/person_detail.html", context)


@login_required
@require_GET
def person_history(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    history = selectors.person_history(person=person)
    return render(request, "registry/person_history.html", {"person": person, "history": history})


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    scope = require_capability(request.user, Capability.EDIT)
    form = PersonForm(request.POST or None, scope=scope)
    matches = []
    if request.method == "POST" and form.is_valid():
        if "confirm_new" not in request.POST:
            matches = likely_existing_matches(user=request.user, person_data=form.person_data())
        if matches:
            context = {"form": form, "person": None, "matches": matches}
            return render(request, "registry/person_form.html", context)
        try:
            person = services.person_create(actor=request.user, data=form.person_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": None})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(user=request.user, pk=pk)
    scope = scope_for(request.user)
    form = PersonForm(request.POST or None, scope=scope, initial=PersonForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, data=form.person_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


@login_required
@require_GET
def commune_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the communes of a province, for the person form."""
    scope = require_capability(request.user, Capability.EDIT)
    communes = PersonForm(scope=scope).fields["commune"].queryset
    province_id = _int_or_none(request.GET.get("province"))
    communes = communes.filter(province_id=province_id) if province_id else communes.none()
    return render(request, "registry/_commune_options.html", {"communes": communes})


@login_required
@require_GET
def person_export(request: HttpRequest) -> StreamingHttpResponse:
    include_sensitive = request.GET.get("sensitive") == "1"
    rows = selectors.person_export_rows(
        user=request.user, query=request.GET.get("q", ""), include_sensitive=include_sensitive
    )
    header = next(rows)  # raises PermissionDenied before the response starts

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lotus-persons.csv"'
    return response


@login_required
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(user=request.user, pk=pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Consent not recorded: %(errors)s") % {"errors": form.errors})
    return redirect("registry:person_detail", pk=person.pk)


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    person = selectors.person_for_edit(user=request.user, pk=pk)
    consent = get_object_or_404(Consent, pk=consent_pk, person=person)
    form = ConsentWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(actor=request.user, consent=consent, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Consent withdrawn."))
    return redirect("registry:person_detail", pk=person.pk)


@login_required
@require_POST
def person_deceased(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(user=request.user, pk=pk)
    form = DeceasedForm(request.POST)
    if form.is_valid():
        try:
            services.person_mark_deceased(
                actor=request.user, person=person, deceased_on=form.cleaned_data["deceased_on"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("registry:person_detail", pk=person.pk)


@login_required
@require_GET
def restricted_facts(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    kinds = selectors.restricted_facts_read(user=request.user, person=person, context=request.path)
    context = {"person": person, "kinds": kinds, "form": RestrictedFactForm()}
    return render(request, "registry/_restricted_facts.html", context)


@login_required
@require_POST
def restricted_fact_set(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    form = RestrictedFactForm(request.POST)
    if form.is_valid():
        services.restricted_fact_set(actor=request.user, person=person, **form.cleaned_data)
        messages.success(request, _("Saved."))
    return redirect("registry:person_detail", pk=person.pk)


@login_required
@require_POST
def household_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for_edit(user=request.user, pk=pk)
    try:
        household = services.household_create(actor=request.user, head=person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registry:person_detail", pk=person.pk)
    return redirect("registry:household_detail", pk=household.pk)


@login_required
@require_http_methods(["GET", "POST"])
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(user=request.user, pk=pk)
    form = HouseholdMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        require_capability(request.user, Capability.EDIT)
        member = selectors.person_get(user=request.user, pk=form.cleaned_data["person_id"])
        try:
            services.household_add_member(
                actor=request.user,
                household=household,
                person=member,
                relationship=form.cleaned_data["relationship"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("registry:household_detail", pk=household.pk)
    context = {
        "household": household,
        "members": household.members.select_related("commune").order_by("birth_year"),
        "facts": selectors.household_facts(household),
        "form": form,
        "can_edit": scope_for(request.user).can(Capability.EDIT),
    }
    return render(request, "registry/household_detail.html", context)


@login_required
@require_GET
def registry_summary(request: HttpRequest) -> HttpResponse:
    rows = selectors.registry_summary(user=request.user)
    context = {"rows": rows, "age_bands": selectors.AGE_BANDS}
    return render(request, "registry/registry_summary.html", context)
