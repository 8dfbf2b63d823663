"""The validator's messages (content/*.py, pydantic's) in the admin's language (#14): the ones
an editor meets in the form, translated to Japanese by pattern; any other is shown as it is."""

from __future__ import annotations

import re
from collections.abc import Callable

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
# The fields a validator message names ("when kind is 'tooltip'"), as the Japanese form says.
_SELECTORS = {"kind": "種類", "type": "種類"}


def _rule(pattern: str, answer: Callable[[re.Match[str]], str]) -> _Rule:
    return re.compile(pattern), answer


# The validator's messages (content/*.py, pydantic's) that an editor meets in the form, in
# Japanese; anything else is shown as it is (English).
_JA: list[_Rule] = [
    _rule(
        r"^is required when (\w+) is '([\w-]+)'$",
        lambda m: f"{_SELECTORS.get(m[1], m[1])}が '{m[2]}' のときは必須です",
    ),
    _rule(
        r"^is only allowed when (\w+) is (.+)$",
        lambda m: f"{m[1]} が {m[2]} のときだけ指定できます",
    ),
    _rule(
        r"^is required when the step has no title$", lambda m: "タイトルがないときは本文が必須です"
    ),
    _rule(r"^'click' needs a target", lambda m: "「クリックで進む」には対象要素が必要です"),
    _rule(r"^(is required|Field required)$", lambda m: "必須です"),
    _rule(
        r"^a goal cannot use '(\w+)' rules$", lambda m: f"ゴールでは '{m[1]}' のルールは使えません"
    ),
    _rule(r"^must not be blank$", lambda m: "空欄にはできません"),
    _rule(r"^String should have at least 1 character", lambda m: "入力してください"),
    _rule(
        r"^String should have at most (\d+) characters?$",
        lambda m: f"{m[1]} 文字以内で入力してください",
    ),
    _rule(r"^List should have at least (\d+) item", lambda m: f"少なくとも {m[1]} つ必要です"),
    _rule(r"^List should have at most (\d+) item", lambda m: f"{m[1]} 個までです"),
    _rule(r"^Input should be a valid integer", lambda m: "整数を入力してください"),
    _rule(r"^Input should be less than or equal to (\S+)$", lambda m: f"{m[1]} 以下にしてください"),
    _rule(
        r"^Input should be greater than or equal to (\S+)$", lambda m: f"{m[1]} 以上にしてください"
    ),
    _rule(
        r"^(.+) is not a valid event name",
        lambda m: f"{m[1]} はイベント名に使えません(英数字・空白・_ . : $ - の 1〜100 文字)",
    ),
    _rule(
        r"^(.+) is not a valid id",
        lambda m: f"{m[1]} は ID に使えません(英数字・'-'・'_' の 1〜64 文字)",
    ),
    _rule(
        r"^(.+) is not a valid key",
        lambda m: f"{m[1]} はキーに使えません(小文字の英字・数字・'-'・'_' の 1〜64 文字)",
    ),
    _rule(
        r"^(.+) is not a page pattern",
        lambda m: (
            f"{m[1]} はページのパターンではありません: "
            "'/' で始まるパス(例 '/settings/*')か http(s) の URL を空白なしで入力してください"
        ),
    ),
    _rule(
        r"^(.+) is not an allowed link",
        lambda m: (
            f"{m[1]} は使えないリンクです: "
            "'/' で始まるパスか http:// または https:// の URL を入力してください"
        ),
    ),
    _rule(r"^unknown tour (.+)$", lambda m: f"ツアー {m[1]} は存在しません"),
    _rule(r"^unknown checklist (.+)$", lambda m: f"チェックリスト {m[1]} は存在しません"),
    _rule(r"^duplicate (step|item) id (\S+)", lambda m: f"ID {m[2]} が重複しています"),
    _rule(r"^is not valid JSON$", lambda m: "JSON として読み取れません"),
    _rule(r"^already exists$", lambda m: "このキーはすでに使われています"),
    _rule(
        r"^(.+) is not an attribute",
        lambda m: f"{m[1]} は属性として使えません: 属性名を入力してください",
    ),
    _rule(r"^must be a non-empty list", lambda m: "1 つ以上の値をカンマ区切りで入力してください"),
    _rule(r"^must be a non-empty string", lambda m: "値を入力してください"),
    _rule(r"^must be a number or a string", lambda m: "数値か文字列を入力してください"),
]


def translated(message: str, lang: str) -> str:
    """A validator message in the admin's language."""
    if lang != "ja":
        return message
    for pattern, answer in _JA:
        found = pattern.search(message)
        if found:
            return answer(found)
    return message
