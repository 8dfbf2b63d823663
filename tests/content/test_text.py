"""LocalizedText validation and the locale fallback chain."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from shirube.content import LocalizedText, Text, TextLimit, TitleText, resolve_text
from shirube.validation import Strict, validate_model

from .util import errors_of, only_error


class Sample(Strict):
    title: TitleText
    body: LocalizedText | None = None
    tag: Annotated[Text, TextLimit(5)] | None = None


def check(**fields: Any) -> Sample:
    return validate_model(Sample, {"title": "T", **fields})


def error(**fields: Any) -> tuple[str, str]:
    return only_error(check, **fields)


def test_plain_string() -> None:
    assert check(title="Import your employees").title == "Import your employees"


def test_locale_map() -> None:
    text = {"en": "Import", "ja": "インポート", "pt-BR": "Importar", "zh-Hant-TW": "匯入"}
    assert check(title=text).title == text


def test_title_limit_is_200_and_body_limit_2000() -> None:
    assert check(title="x" * 200, body="y" * 2000).body == "y" * 2000
    assert error(title="x" * 201) == ("title", "String should have at most 200 characters")
    assert error(body="y" * 2001) == ("body", "String should have at most 2000 characters")


def test_custom_limit() -> None:
    assert check(tag={"en": "short"}).tag == {"en": "short"}
    assert error(tag="toolong") == ("tag", "String should have at most 5 characters")
    assert error(tag={"en": "toolong"}) == ("tag.en", "String should have at most 5 characters")


def test_limit_applies_per_locale_with_the_locale_in_the_path() -> None:
    assert error(title={"en": "ok", "ja": "長" * 201}) == (
        "title.ja",
        "String should have at most 200 characters",
    )


def test_empty_and_blank_strings() -> None:
    assert error(title="") == ("title", "String should have at least 1 character")
    assert error(title="   ") == ("title", "must not be blank")
    assert error(title={"en": ""}) == ("title.en", "String should have at least 1 character")
    assert error(title={"en": " \n"}) == ("title", "the 'en' text must not be blank")


def test_empty_map() -> None:
    path, message = error(title={})
    assert path == "title"
    assert "at least one locale" in message


@pytest.mark.parametrize("value", [5, 1.5, True, ["en"], None])
def test_wrong_types(value: object) -> None:
    assert error(title=value) == (
        "title",
        "must be a string or an object mapping locale codes to strings",
    )


def test_non_string_translation() -> None:
    assert error(title={"en": 5}) == ("title.en", "Input should be a valid string")


@pytest.mark.parametrize(
    "code", ["EN", "en_US", "e", "english", "en-", "en-U", "en-US-x", "e1", "", "en us", "ja\n"]
)
def test_bad_locale_codes(code: str) -> None:
    path, message = error(title={"en": "ok", code: "x"})
    assert path == "title"
    assert "not a locale code" in message


@pytest.mark.parametrize("code", ["en", "ja", "fil", "pt-BR", "en-us", "zh-Hant", "es-419"])
def test_good_locale_codes(code: str) -> None:
    assert check(title={code: "x"}).title == {code: "x"}


def test_locale_codes_differing_only_in_case_are_ambiguous() -> None:
    path, message = error(title={"pt-BR": "a", "pt-br": "b"})
    assert path == "title"
    assert "listed twice" in message


def test_errors_in_several_texts() -> None:
    assert [path for path, _ in errors_of(check, title=1, body={"xx_YY": "a"})] == [
        "title",
        "body",
    ]


def test_dump_round_trip() -> None:
    sample = check(title={"en": "A", "ja": "あ"}, body="b")
    dumped = sample.model_dump(mode="json", exclude_none=True)
    assert dumped == {"title": {"en": "A", "ja": "あ"}, "body": "b"}
    assert validate_model(Sample, dumped) == sample


# --- resolve_text --------------------------------------------------------------------------

TEXT = {"en": "Hello", "en-GB": "Hello, mate", "ja": "こんにちは", "pt-BR": "Olá"}


def test_plain_string_is_returned_for_any_locale() -> None:
    assert resolve_text("Hi", "ja", "en") == "Hi"
    assert resolve_text("Hi", None, "en") == "Hi"


def test_exact_locale() -> None:
    assert resolve_text(TEXT, "en-GB", "ja") == "Hello, mate"
    assert resolve_text(TEXT, "pt-BR", "en") == "Olá"


def test_locale_matching_ignores_case_and_underscores() -> None:
    assert resolve_text(TEXT, "en-gb", "ja") == "Hello, mate"
    assert resolve_text(TEXT, "en_GB", "ja") == "Hello, mate"
    assert resolve_text(TEXT, "JA", "en") == "こんにちは"
    assert resolve_text({"pt-br": "Olá"}, "pt-BR", "en") == "Olá"


def test_language_part() -> None:
    assert resolve_text(TEXT, "en-US", "ja") == "Hello"
    assert resolve_text(TEXT, "ja-JP", "en") == "こんにちは"


def test_default_locale() -> None:
    assert resolve_text(TEXT, "fr", "ja") == "こんにちは"
    assert resolve_text(TEXT, None, "pt-BR") == "Olá"
    assert resolve_text(TEXT, "", "ja") == "こんにちは"


def test_default_locale_language_part() -> None:
    assert resolve_text(TEXT, "fr-FR", "ja-JP") == "こんにちは"


def test_exact_and_language_come_before_default() -> None:
    assert resolve_text({"ja": "日本語", "en": "English"}, "en-AU", "ja") == "English"


def test_region_of_another_language_is_not_used() -> None:
    # "pt" asks for generic Portuguese; only "pt-BR" exists, so the chain goes on.
    assert resolve_text({"en": "Hi", "pt-BR": "Olá"}, "pt", "en") == "Hi"


def test_first_entry_is_the_last_resort() -> None:
    assert resolve_text({"ja": "こんにちは", "de": "Hallo"}, "fr", "es") == "こんにちは"
    assert resolve_text({"de": "Hallo"}, None, "en") == "Hallo"
