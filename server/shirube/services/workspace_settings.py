"""What a workspace's settings may be: the validation the server API and the CLI share."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from shirube.content.localize import resolve_text
from shirube.services.event_schema import Locale
from shirube.validation import Strict

# What each identity mode lets a widget session do, said plainly where a mode is chosen or shown
# (the CLI, the console); docs/api.md has the model.
IDENTITY_MODES = {
    "off": "anyone with the public key can open a session as any user id and change that "
    "user's traits; companies change only through the server API.",
    "observe": "sessions are not refused, and those your backend signs are counted; unsigned "
    "ones may change only their user's traits, not companies. Switch to enforce once every "
    "session is signed.",
    "enforce": "a session needs the user's identity token, signed by your backend with the "
    "workspace's identity secret.",
}


def _origin(value: str) -> str:
    if value == "*":
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an origin such as https://app.example.com, or *")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError("must be an origin only: scheme, host and port, no path")
    return f"{parts.scheme}://{parts.netloc.lower()}"


Origin = Annotated[str, StringConstraints(max_length=300), AfterValidator(_origin)]


Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
CORNER_RADIUS_MAX = 24
LAUNCHER_LABEL_MAX = 30


def _plain_label(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    if value != value.strip():
        raise ValueError("must not start or end with spaces")
    for character in value:
        # Control and format characters (newlines, bidi overrides, zero-width ones) would
        # make a one-line button label render as something other than what was typed.
        if unicodedata.category(character) in ("Cc", "Cf"):
            raise ValueError(f"must be plain text: U+{ord(character):04X} is not allowed")
    return value


LauncherText = Annotated[
    str, StringConstraints(max_length=LAUNCHER_LABEL_MAX), AfterValidator(_plain_label)
]


class LauncherLabel(Strict):
    """The checklist launcher's text in each console language (shown before its "2/5")."""

    ja: LauncherText | None = None
    en: LauncherText | None = None

    @model_validator(mode="after")
    def _one_at_least(self) -> LauncherLabel:
        if self.ja is None and self.en is None:
            raise ValueError('needs "ja", "en" or both')
        return self


class Theme(Strict):
    brand_color: Color | None = None
    # Text on the brand colour (buttons, the launcher); absent: white or near-black, whichever
    # contrasts with the brand colour (services/theme_contrast.py).
    text_color: Color | None = None
    # No ; { } < >: the value ends up in a CSS declaration inside the widget's shadow root.
    font_family: (
        Annotated[str, StringConstraints(max_length=200, pattern=r"^[^;{}<>]*$")] | None
    ) = None
    launcher_position: Literal["bottom-right", "bottom-left", "top-right", "top-left"] | None = None
    # Cards and the checklist panel; buttons and the launcher are rounded in proportion.
    corner_radius: Annotated[int, Field(strict=True, ge=0, le=CORNER_RADIUS_MAX)] | None = None
    launcher_label: LauncherLabel | None = None


def session_theme(theme: dict[str, Any], locale: str | None, default_locale: str) -> dict[str, Any]:
    """The stored theme as a widget session answer carries it: the launcher label resolved to
    the user's locale (else the workspace's default, else the other one), like content texts."""
    label = theme.get("launcher_label")
    if not label:
        return theme
    return {**theme, "launcher_label": resolve_text(label, locale, default_locale)}


class WorkspacePatch(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    allowed_origins: list[Origin] | None = Field(default=None, max_length=50)
    identity_mode: Literal["off", "observe", "enforce"] | None = None
    default_locale: Locale | None = None
    theme: Theme | None = None
    # Let widget sessions whose user is not verified create and change companies and join
    # them, as a verified session or the server API may (off by default: docs/api.md).
    unverified_company_writes: Annotated[bool, Field(strict=True)] | None = None

    def changes(self) -> dict[str, Any]:
        """The settings this patch sets, as they are stored."""
        changes = self.model_dump(exclude_unset=True, exclude_none=True)
        if "theme" in changes:
            changes["theme"] = self.theme.model_dump(exclude_none=True) if self.theme else {}
        if "allowed_origins" in changes:
            changes["allowed_origins"] = sorted(set(changes["allowed_origins"]))
        return changes
