"""Demo sign-in (pick a user, or start a new company), sign-out and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from demo_app.forms import check_new_company
from demo_app.i18n import normalize_locale
from demo_app.web import checked_fields, checked_form, redirect, render, services, signed_in


def _sign_in(request: Request, user_id: str) -> None:
    locale = request.session.get("locale")
    # A fresh session on sign-in: nothing from before (CSRF token included) carries over.
    request.session.clear()
    request.session["user_id"] = user_id
    if locale:
        request.session["locale"] = locale


async def home(request: Request) -> Response:
    return redirect("/dashboard" if signed_in(request) else "/signin")


def _signin_page(request: Request, errors: dict[str, str], form: dict[str, str]) -> Response:
    store = services(request).store
    users = store.users()
    companies = [(c, [u for u in users if u.company_id == c.id]) for c in store.companies()]
    return render(
        request,
        "signin.html",
        {"companies": companies, "errors": errors, "form": form},
        status=422 if errors else 200,
    )


async def signin_page(request: Request) -> Response:
    return _signin_page(request, {}, {})


async def signin(request: Request) -> Response:
    form = await checked_form(request)
    user = services(request).store.user(str(form.get("user_id", "")))
    if user is None:
        return _signin_page(request, {"user_id": "form.required"}, {})
    _sign_in(request, user.id)
    return redirect("/dashboard")


async def signup(request: Request) -> Response:
    company_name, admin_name, errors = check_new_company(await checked_fields(request))
    if errors:
        return _signin_page(
            request, errors.errors, {"company_name": company_name, "admin_name": admin_name}
        )
    store = services(request).store
    placeholder_email = f"admin+{len(store.companies()) + 1}@example.com"
    admin = store.create_company(company_name, "trial", admin_name, placeholder_email)
    _sign_in(request, admin.id)
    return redirect("/dashboard")


async def signout(request: Request) -> Response:
    await checked_form(request)
    locale = request.session.get("locale")
    request.session.clear()
    if locale:
        request.session["locale"] = locale
    return redirect("/signin")


async def switch_locale(request: Request) -> Response:
    form = await checked_form(request)
    request.session["locale"] = normalize_locale(str(form.get("locale", "")))
    back = str(form.get("next", "/"))
    # Only a path on this site: never an open redirect to another origin.
    return redirect(back if back.startswith("/") and not back.startswith("//") else "/")


routes = [
    Route("/", home),
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signup", signup, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/locale", switch_locale, methods=["POST"]),
]
