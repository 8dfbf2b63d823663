"""Kintai Cloud's pages. Each real accomplishment is also reported to Shirube as an event."""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from demo_app.csv_import import MAX_BYTES, RowError, parse_employees
from demo_app.db import WorkRules, now, today_in_tokyo, tokyo_time
from demo_app.forms import LAST_DAY, check_invitation, check_work_rules
from demo_app.web import (
    checked_fields,
    checked_form,
    flash,
    redirect,
    render,
    require_user,
    services,
)

SAMPLE_CSV = Path(__file__).parent / "sample_employees.csv"
STAFF = ("admin", "manager")


async def dashboard(request: Request) -> Response:
    who = require_user(request)
    store = services(request).store
    punches = store.punches_of_company_on(who.company.id, today_in_tokyo())
    context = {"punches": punches, "employee_count": len(store.employees(who.company.id))}
    return render(request, "dashboard.html", context)


async def employees(request: Request) -> Response:
    who = require_user(request, *STAFF)
    rows = services(request).store.employees(who.company.id)
    return render(request, "employees.html", {"employees": rows})


def _import_page(request: Request, errors: list[RowError]) -> Response:
    return render(request, "import.html", {"errors": errors}, status=422 if errors else 200)


async def import_page(request: Request) -> Response:
    require_user(request, *STAFF)
    return _import_page(request, [])


async def import_employees(request: Request) -> Response:
    who = require_user(request, *STAFF)
    form = await checked_form(request)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _import_page(request, [RowError(0, "", "csv.no_file")])
        # One byte past the limit is enough to tell "too large" without reading it all.
        data = await upload.read(MAX_BYTES + 1)
    finally:
        await form.close()
    store = services(request).store
    result = parse_employees(data, store.employee_codes(who.company.id))
    if result.errors:
        return _import_page(request, result.errors)
    store.add_employees(who.company.id, result.rows)
    await services(request).onboarding.event(
        who.user, "employees_imported", {"count": len(result.rows)}
    )
    flash(request, "import.done", count=len(result.rows))
    return redirect("/employees")


async def sample_csv(request: Request) -> Response:
    require_user(request, *STAFF)
    return FileResponse(
        SAMPLE_CSV, media_type="text/csv; charset=utf-8", filename="sample_employees.csv"
    )


async def work_rules(request: Request) -> Response:
    who = require_user(request, "admin")
    rules = services(request).store.work_rules(who.company.id)
    shown = rules or WorkRules("09:00", "18:00", 60, LAST_DAY)
    form = {k: str(v) for k, v in shown.__dict__.items()}
    return render(request, "work_rules.html", {"form": form, "errors": {}})


async def save_work_rules(request: Request) -> Response:
    who = require_user(request, "admin")
    form = await checked_fields(request)
    rules, errors = check_work_rules(form)
    if rules is None:
        return render(
            request, "work_rules.html", {"form": form, "errors": errors.errors}, status=422
        )
    services(request).store.save_work_rules(who.company.id, rules)
    await services(request).onboarding.event(who.user, "work_rules_saved")
    flash(request, "rules.saved")
    return redirect("/settings/work-rules")


def _members_page(
    request: Request, company_id: str, form: dict[str, str], errors: dict[str, str]
) -> Response:
    store = services(request).store
    context = {
        "members": store.users(company_id),
        "invitations": store.invitations(company_id),
        "form": form,
        "errors": errors,
    }
    return render(request, "members.html", context, status=422 if errors else 200)


async def members(request: Request) -> Response:
    who = require_user(request, *STAFF)
    return _members_page(request, who.company.id, {"role": "manager"}, {})


async def invite_member(request: Request) -> Response:
    who = require_user(request, "admin")
    email, role, errors = check_invitation(await checked_fields(request))
    store = services(request).store
    problems = dict(errors.errors)
    if not problems and store.is_member_or_invited(who.company.id, email):
        problems["email"] = "members.exists"
    if problems:
        return _members_page(request, who.company.id, {"email": email, "role": role}, problems)
    store.invite(who.company.id, email, role, who.user.id)
    await services(request).onboarding.event(who.user, "member_invited", {"role": role})
    flash(request, "members.invited", email=email)
    return redirect("/members")


async def time_clock(request: Request) -> Response:
    who = require_user(request)
    current = services(request).store.open_punch(who.user.id)
    return render(request, "time_clock.html", {"current": current})


async def clock_in(request: Request) -> Response:
    who = require_user(request)
    await checked_form(request)
    store = services(request).store
    if store.open_punch(who.user.id) is not None:
        flash(request, "clock.already_in")
        return redirect("/time-clock")
    at = now()
    store.clock_in(who.user, at)
    # Every clock-in is an event; checklist rules decide how many count ("first" = min_count 1).
    await services(request).onboarding.event(who.user, "clock_in")
    flash(request, "clock.clocked_in", time=tokyo_time(at))
    return redirect("/time-clock")


async def clock_out(request: Request) -> Response:
    who = require_user(request)
    await checked_form(request)
    store = services(request).store
    punch = store.open_punch(who.user.id)
    if punch is None:
        flash(request, "clock.not_in")
        return redirect("/time-clock")
    at = now()
    store.clock_out(punch.id, at)
    await services(request).onboarding.event(who.user, "clock_out")
    flash(request, "clock.clocked_out", time=tokyo_time(at))
    return redirect("/time-clock")


async def timesheet(request: Request) -> Response:
    who = require_user(request)
    punches = services(request).store.punches_of_user(who.user.id)
    return render(request, "timesheet.html", {"punches": punches})


routes = [
    Route("/dashboard", dashboard),
    Route("/employees", employees),
    Route("/employees/import", import_page, methods=["GET"]),
    Route("/employees/import", import_employees, methods=["POST"]),
    Route("/employees/sample.csv", sample_csv),
    Route("/settings/work-rules", work_rules, methods=["GET"]),
    Route("/settings/work-rules", save_work_rules, methods=["POST"]),
    Route("/members", members, methods=["GET"]),
    Route("/members/invite", invite_member, methods=["POST"]),
    Route("/time-clock", time_clock),
    Route("/time-clock/in", clock_in, methods=["POST"]),
    Route("/time-clock/out", clock_out, methods=["POST"]),
    Route("/timesheet", timesheet),
]
