"""Kintai Cloud without a browser: sign-in, CSRF, validation, roles, and the events it sends."""

from __future__ import annotations

import json
import re

import pytest

from tests.demo.conftest import SAMPLE_CSV, Demo


def test_signin_lists_users_of_three_companies_with_every_role(demo: Demo) -> None:
    page = demo.client.get("/signin").text
    assert page.count('class="card" data-company=') == 3
    for role in ("管理者", "マネージャー", "従業員"):
        assert role in page
    assert "新しい会社ではじめる" in page


def test_pages_need_a_signed_in_user(demo: Demo) -> None:
    for path in ("/dashboard", "/employees", "/settings/work-rules", "/members", "/time-clock"):
        answer = demo.client.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/signin"), path


def test_every_form_refuses_a_missing_or_wrong_csrf_token(demo: Demo) -> None:
    user = next(u for u in demo.store.users() if u.role == "admin")
    demo.client.get("/signin")
    forged = demo.client.post("/signin", data={"user_id": user.id, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert "フォームの有効期限が切れました" in forged.text
    assert demo.client.post("/signin", data={"user_id": user.id}).status_code == 403
    demo.sign_in(user.email)
    for path in ("/time-clock/in", "/settings/work-rules", "/members/invite", "/signout"):
        assert demo.client.post(path, data={"email": "x@example.com"}).status_code == 403, path
    assert demo.onboarding.events == []


def test_csrf_token_is_per_session_and_renewed_at_sign_in(demo: Demo) -> None:
    before = demo.token()
    demo.sign_in("sato@sakura.example")
    assert demo.token("/dashboard") != before
    assert demo.post("/time-clock/in", {}).status_code == 303


def test_new_company_needs_a_name_and_starts_with_an_admin(demo: Demo) -> None:
    answer = demo.client.post(
        "/signup", data={"company_name": " ", "admin_name": "x" * 101, "csrf_token": demo.token()}
    )
    assert answer.status_code == 422
    assert "入力してください" in answer.text and "100 文字以内" in answer.text
    admin = demo.new_company("<b>Acme</b>", "新井 はじめ")
    assert admin.role == "admin"
    page = demo.client.get("/dashboard").text
    assert "&lt;b&gt;Acme&lt;/b&gt;" in page and "<b>Acme" not in page


def test_every_page_embeds_the_snippet_with_identity_token_traits_company_and_locale(
    demo: Demo,
) -> None:
    admin = demo.new_company()
    page = demo.client.get("/dashboard").text
    found = re.search(r"Shirube\.identify\((\"[^\"]+\"), (\{.*\})\);", page)
    assert found, page
    assert json.loads(found.group(1)) == admin.id
    options = json.loads(found.group(2))
    assert options["traits"]["role"] == "admin"
    assert options["traits"]["name"] == admin.name and options["traits"]["email"] == admin.email
    # The company by name, so that Shirube's console and dashboard do not show a raw id.
    company = {"name": "テスト株式会社", "plan": "trial", "tier": "tech-touch"}
    assert options["company"] == {"id": admin.company_id, "traits": company}
    assert options["locale"] == "ja" and options["token"].count(".") == 2
    assert (
        'src="http://127.0.0.1:9/widget/shirube.js" data-key="pk_test" crossorigin="anonymous"'
        in page
    )


def test_language_switch_to_english_and_back(demo: Demo) -> None:
    demo.sign_in("sato@sakura.example")
    answer = demo.post("/locale", {"locale": "en", "next": "/employees"})
    assert answer.headers["location"] == "/employees"
    page = demo.client.get("/employees").text
    assert "Import a CSV" in page and '"locale": "en"' in page
    offsite = demo.post("/locale", {"locale": "ja", "next": "//evil.example/"})
    assert offsite.headers["location"] == "/"
    assert "CSV で取り込む" in demo.client.get("/employees").text


def test_sample_csv_download_and_import_sends_the_count(demo: Demo) -> None:
    admin = demo.new_company()
    sample = demo.client.get("/employees/sample.csv")
    assert sample.status_code == 200 and sample.content == SAMPLE_CSV.read_bytes()
    assert "attachment" in sample.headers["content-disposition"]
    answer = demo.post("/employees/import", {}, files={"file": ("s.csv", sample.content)})
    assert (answer.status_code, answer.headers["location"]) == (303, "/employees")
    assert len(demo.store.employees(admin.company_id)) == 5
    assert demo.onboarding.events == [(admin.id, "employees_imported", {"count": 5})]
    assert "5 名の従業員を取り込みました" in demo.client.get("/employees").text


def test_import_with_row_errors_reports_lines_and_imports_nothing(demo: Demo) -> None:
    admin = demo.new_company()
    csv = (
        "社員番号,氏名,メールアドレス,部署,入社日\n"
        "E1,山本,a@example.com,総務,2024-04-01\n"
        "E2,,not-an-email,総務,2024-13-01\n"
        "E1,中村,c@example.com,営業,2024-04-01\n"
        "E3,小林\n"
    )
    answer = demo.post("/employees/import", {}, files={"file": ("e.csv", csv.encode())})
    assert answer.status_code == 422
    text = answer.text
    assert "何も登録されていません" in text
    assert "3 行目</strong>: 「氏名」が空です" in text
    assert "3 行目</strong>: メールアドレス「not-an-email」の形式が正しくありません" in text
    assert "3 行目</strong>: 入社日「2024-13-01」は YYYY-MM-DD" in text
    assert "4 行目</strong>: 社員番号「E1」が 2 行目と重複しています" in text
    assert "5 行目</strong>: 列の数が 2 個です(5 個必要)" in text
    assert demo.store.employees(admin.company_id) == []
    assert demo.onboarding.events == []


def test_import_refuses_codes_already_registered_and_reads_shift_jis(demo: Demo) -> None:
    admin = demo.new_company()
    demo.post("/employees/import", {}, files={"file": ("s.csv", SAMPLE_CSV.read_bytes())})
    again = demo.post("/employees/import", {}, files={"file": ("s.csv", SAMPLE_CSV.read_bytes())})
    assert again.status_code == 422 and "社員番号「E001」はすでに登録されています" in again.text
    sjis = "社員番号,氏名,メールアドレス,部署,入社日\r\nE900,斎藤 誠,m@example.com,総務部,2020-01-01\r\n"
    answer = demo.post("/employees/import", {}, files={"file": ("s.csv", sjis.encode("cp932"))})
    assert answer.status_code == 303
    assert any(e.name == "斎藤 誠" for e in demo.store.employees(admin.company_id))


def test_import_reports_a_missing_file_missing_columns_and_an_empty_file(demo: Demo) -> None:
    demo.new_company()
    none = demo.post("/employees/import", {}, files={"file": ("", b"")})
    assert none.status_code == 422 and "ファイルを選択してください" in none.text
    columns = demo.post(
        "/employees/import", {}, files={"file": ("a.csv", "氏名,部署\nA,B\n".encode())}
    )
    assert "見出しに「社員番号」の列がありません" in columns.text
    empty = demo.post("/employees/import", {}, files={"file": ("a.csv", b"\n")})
    assert "ファイルが空です" in empty.text


def test_work_rules_are_validated_then_saved_with_an_event(demo: Demo) -> None:
    admin = demo.new_company()
    bad = {"start_time": "9時", "end_time": "08:00", "break_minutes": "-5", "closing_day": "30"}
    answer = demo.post("/settings/work-rules", bad)
    assert answer.status_code == 422
    for message in ("HH:MM 形式", "0〜180 の整数", "1〜28 日または末日"):
        assert message in answer.text
    assert 'value="9時"' in answer.text  # what was typed is kept
    before = {**bad, "start_time": "09:00"}
    assert "終業時刻は始業時刻より後に" in demo.post("/settings/work-rules", before).text
    good = {"start_time": "09:30", "end_time": "18:00", "break_minutes": "45", "closing_day": "31"}
    assert demo.post("/settings/work-rules", good).status_code == 303
    rules = demo.store.work_rules(admin.company_id)
    assert rules is not None and (rules.start_time, rules.break_minutes) == ("09:30", 45)
    assert demo.event_names() == ["work_rules_saved"]


def test_invitations_are_validated_and_unique(demo: Demo) -> None:
    demo.new_company()
    bad = demo.post("/members/invite", {"email": "nope", "role": "owner"})
    assert bad.status_code == 422
    assert (
        "メールアドレスの形式が正しくありません" in bad.text and "マネージャーか従業員" in bad.text
    )
    ok = demo.post("/members/invite", {"email": "boss@example.com", "role": "manager"})
    assert ok.status_code == 303
    twice = demo.post("/members/invite", {"email": "BOSS@example.com", "role": "employee"})
    assert twice.status_code == 422 and "すでにメンバーか招待中" in twice.text
    assert demo.onboarding.events[0][1:] == ("member_invited", {"role": "manager"})
    assert len(demo.onboarding.events) == 1


def test_clock_in_and_out_send_events_once_each(demo: Demo) -> None:
    demo.sign_in("takahashi@sakura.example")
    assert demo.post("/time-clock/in", {}).status_code == 303
    assert demo.post("/time-clock/in", {}).status_code == 303  # already in: no second event
    assert "すでに出勤中です" in demo.client.get("/time-clock").text
    demo.post("/time-clock/out", {})
    demo.post("/time-clock/in", {})
    assert demo.event_names() == ["clock_in", "clock_out", "clock_in"]
    assert demo.client.get("/timesheet").text.count("<tr>") == 3  # header + two shifts


def test_roles_limit_pages(demo: Demo) -> None:
    demo.sign_in("takahashi@sakura.example")  # an employee
    for path in ("/employees", "/settings/work-rules", "/members"):
        assert demo.client.get(path).status_code == 403, path
    assert (
        demo.post("/members/invite", {"email": "a@example.com", "role": "manager"}).status_code
        == 403
    )
    nav = demo.client.get("/dashboard").text
    assert 'id="nav-time-clock"' in nav and 'id="nav-employees"' not in nav
    demo.sign_in("suzuki@sakura.example")  # a manager: imports, but no settings
    assert demo.client.get("/employees/import").status_code == 200
    assert demo.client.get("/settings/work-rules").status_code == 403


def test_dashboard_shows_todays_attendance_of_the_company_only(demo: Demo) -> None:
    demo.sign_in("sato@sakura.example")
    page = demo.client.get("/dashboard").text
    assert "鈴木 二郎" in page  # seeded: clocked in two hours ago
    demo.sign_in("hanako@yamada.example")
    assert "鈴木 二郎" not in demo.client.get("/dashboard").text


def test_unknown_page_is_a_404_page(demo: Demo) -> None:
    answer = demo.client.get("/nope")
    assert answer.status_code == 404 and "ページが見つかりません" in answer.text


def test_the_seeded_past_is_replayed_to_shirube_once(demo: Demo) -> None:
    sato = next(u for u in demo.store.users() if u.email == "sato@sakura.example")
    suzuki = next(u for u in demo.store.users() if u.email == "suzuki@sakura.example")
    assert demo.onboarding.replayed == [
        (sato.id, "employees_imported", {"count": 3}),
        (suzuki.id, "clock_in", None),
        (sato.id, "work_rules_saved", None),
    ]


def test_a_form_with_more_than_one_file_is_refused(demo: Demo) -> None:
    demo.new_company()
    files = [("file", ("a.csv", b"x")), ("other", ("b.csv", b"y"))]
    assert demo.post("/employees/import", {}, files=files).status_code == 400


def test_a_body_over_the_limit_or_without_a_length_is_refused_before_parsing(demo: Demo) -> None:
    demo.new_company()
    big = [("file", ("big.csv", b"x" * (2 * 1024 * 1024 + 1)))]
    answer = demo.post("/employees/import", {}, files=big)
    assert answer.status_code == 413 and "大きすぎます" in answer.text
    token = demo.token("/dashboard")
    chunked = demo.client.post(
        "/time-clock/in",
        content=iter([f"csrf_token={token}".encode()]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 411
    assert "employees_imported" not in demo.event_names()


def test_cookie_secure_flag_from_the_environment() -> None:
    from demo_app.settings import DemoSettingsError, load_demo_settings

    env = {"KINTAI_SHIRUBE_PUBLIC_KEY": "pk_x", "KINTAI_SHIRUBE_SECRET_KEY": "sk_x"}
    assert load_demo_settings(env).https_only is False
    assert load_demo_settings({**env, "KINTAI_COOKIE_SECURE": "true"}).https_only is True
    with pytest.raises(DemoSettingsError, match="KINTAI_COOKIE_SECURE"):
        load_demo_settings({**env, "KINTAI_COOKIE_SECURE": "maybe"})
