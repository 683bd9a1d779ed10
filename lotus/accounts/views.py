from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lotus.accounts import services
from lotus.accounts.forms import UserCreateForm, UserUpdateForm
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import require_capability, user_list

login = auth_views.LoginView.as_view(template_name="accounts/login.html")
logout = auth_views.LogoutView.as_view()


@login_required
@require_GET
def user_list_view(request: HttpRequest) -> HttpResponse:
    users = user_list(user=request.user).order_by("branch__name", "username")
    return render(request, "accounts/user_list.html", {"users": users})


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    scope = require_capability(request.user, Capability.MANAGE_USERS)
    roles = services.grantable_roles(request.user)
    form = UserCreateForm(request.POST or None, scope=scope, roles=roles)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        commune = data.pop("commune")
        branch = data.pop("branch", None)
        if commune is not None:
            branch = services.commune_branch_for(commune)
        try:
            services.user_create(actor=request.user, branch=branch, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Account created."))
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "account": None})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(user_list(user=request.user), pk=pk)
    roles = services.grantable_roles(request.user)
    initial = {"role": account.role, "is_active": account.is_active}
    form = UserUpdateForm(request.POST or None, roles=roles, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=account, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Account saved."))
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "account": account})
