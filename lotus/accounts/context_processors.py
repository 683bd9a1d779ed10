from django.http import HttpRequest

from lotus.accounts.selectors import scope_for


def capabilities(request: HttpRequest) -> dict:
    """Expose the user's scope so templates can hide buttons she may not use."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"scope": scope_for(user)}
