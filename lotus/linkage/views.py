from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lotus.linkage import selectors, services
from lotus.linkage.forms import DecisionForm
from lotus.linkage.models import ReviewDecision

PAGE_SIZE = 20


@login_required
@require_GET
def pair_list(request: HttpRequest) -> HttpResponse:
    pairs = selectors.pair_list_for_review(user=request.user)
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "linkage/pair_list.html"
    if request.htmx:
        template += "#pair-rows"
    return render(request, template, {"page": page})


def _detail(request: HttpRequest, pair, form: DecisionForm) -> HttpResponse:
    context = {
        "pair": pair,
        "form": form,
        "fields": selectors.pair_explanation(pair),
        "decisions": pair.decisions.select_related("decided_by", "merge"),
    }
    return render(request, "linkage/pair_detail.html", context)


@login_required
@require_GET
def pair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pair = selectors.pair_get(user=request.user, pk=pk)
    return _detail(request, pair, DecisionForm(pair=pair))


@login_required
@require_POST
def pair_decide(request: HttpRequest, pk: int) -> HttpResponse:
    pair = selectors.pair_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST, pair=pair)
    if form.is_valid():
        try:
            decision = services.pair_decide(
                actor=request.user,
                pair=pair,
                decision=form.cleaned_data["decision"],
                survivor_id=form.cleaned_data["survivor"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if decision.decision == ReviewDecision.Decision.SAME:
                messages.success(request, _("Merged. You can undo it from the merges page."))
            next_pair = selectors.pair_list_for_review(user=request.user).first()
            if next_pair is not None:
                return redirect("linkage:pair_detail", pk=next_pair.pk)
            return redirect("linkage:pair_list")
    return _detail(request, pair, form)


@login_required
@require_GET
def merge_list(request: HttpRequest) -> HttpResponse:
    merges = selectors.merge_list(user=request.user)
    page = Paginator(merges, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "linkage/merge_list.html", {"page": page})


@login_required
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.merge_get(user=request.user, pk=pk)
    try:
        services.merge_undo(actor=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The merge was undone; the pair is back in the queue."))
    return redirect("linkage:merge_list")
