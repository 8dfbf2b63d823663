"""Localized text: a plain string, or an object mapping locale codes to strings.

Use `LocalizedText` (bodies, up to 2000 characters) or `TitleText` (titles and labels, up to
200) in models; another limit is `Annotated[Text, TextLimit(n)]`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from shirube.content.base import not_blank, show
from shirube.identifiers import CONTENT_LOCALE_RE

Text = str | dict[str, str]

TITLE_MAX = 200
BODY_MAX = 2000


def is_locale(value: str) -> bool:
    return CONTENT_LOCALE_RE.fullmatch(value) is not None


def _check_translations(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError('needs at least one locale entry, e.g. {"en": "..."}')
    seen: set[str] = set()
    for locale, text in value.items():
        if not is_locale(locale):
            raise ValueError(f"{show(locale)} is not a locale code: use e.g. 'en', 'ja' or 'pt-BR'")
        # Locales are matched case-insensitively, so 'pt-BR' and 'pt-br' would be ambiguous.
        if locale.lower() in seen:
            raise ValueError(f"{locale!r} is listed twice (codes ignore case)")
        seen.add(locale.lower())
        if not text.strip():
            raise ValueError(f"the {locale!r} text must not be blank")
    return value


def _branch(value: Any) -> str | None:
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict):
        return "dict"
    return None


class TextLimit:
    """Annotation marker: validate a `Text` whose strings are at most `max_length` characters."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        string = core_schema.str_schema(min_length=1, max_length=self.max_length)
        # A tagged union (rather than `str | dict`) reports only the branch that applies, and
        # its tags "str"/"dict" are dropped from error paths, so a too-long Japanese title
        # is reported at `title.ja`.
        return core_schema.tagged_union_schema(
            {
                "str": core_schema.no_info_after_validator_function(not_blank, string),
                "dict": core_schema.no_info_after_validator_function(
                    _check_translations,
                    core_schema.dict_schema(core_schema.str_schema(), string),
                ),
            },
            discriminator=_branch,
            custom_error_type="localized_text_type",
            custom_error_message="must be a string or an object mapping locale codes to strings",
        )


LocalizedText = Annotated[Text, TextLimit(BODY_MAX)]
TitleText = Annotated[Text, TextLimit(TITLE_MAX)]
