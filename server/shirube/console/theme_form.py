"""The theme form's fields and the theme they make: one mapping for the page's save and for the
preview frame, whose hash carries the same fields (console/theme.py, console/theme_preview.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shirube.errors import ValidationFailed
from shirube.services.theme_contrast import DEFAULT_BRAND, LIGHT_TEXT
from shirube.services.workspace_settings import Theme
from shirube.validation import validate_model

# The form's field names; the preview frame's hash uses them too.
FIELDS = (
    "brand_color",
    "text_color",
    "text_color_auto",
    "font_family",
    "corner_radius",
    "launcher_position",
    "launcher_label_ja",
    "launcher_label_en",
)
POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left")


@dataclass(frozen=True)
class ThemeForm:
    """What the form shows: strings as typed, and the error of each field by name."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def text_auto(self) -> bool:
        return self.values.get("text_color_auto") == "on"


def form_of(theme: dict[str, Any]) -> ThemeForm:
    """The form filled from a stored theme."""
    label = theme.get("launcher_label") or {}
    radius = theme.get("corner_radius")
    return ThemeForm(
        {
            "brand_color": theme.get("brand_color") or DEFAULT_BRAND,
            "text_color": theme.get("text_color") or LIGHT_TEXT,
            "text_color_auto": "" if theme.get("text_color") else "on",
            "font_family": theme.get("font_family") or "",
            "corner_radius": "" if radius is None else str(radius),
            "launcher_position": theme.get("launcher_position") or POSITIONS[0],
            "launcher_label_ja": label.get("ja", ""),
            "launcher_label_en": label.get("en", ""),
        }
    )


def raw_theme(fields: dict[str, str]) -> dict[str, Any]:
    """The theme the fields describe, before validation: empty fields are left out (the
    widget's default applies), a radius that is digits becomes a number."""
    raw: dict[str, Any] = {}
    for name in ("brand_color", "font_family", "launcher_position"):
        if value := fields.get(name, "").strip():
            raw[name] = value
    if fields.get("text_color_auto") != "on" and (text := fields.get("text_color", "").strip()):
        raw["text_color"] = text
    radius = fields.get("corner_radius", "").strip()
    if radius:
        # The length bounds int() (it refuses past 4,300 digits); a longer one stays a string,
        # which the theme's validation names as the field's error.
        digits = radius.isascii() and radius.isdigit() and len(radius) <= 9
        raw["corner_radius"] = int(radius) if digits else radius
    label = {
        locale: value
        for locale in ("ja", "en")
        if (value := fields.get(f"launcher_label_{locale}", "").strip())
    }
    if label:
        raw["launcher_label"] = label
    return raw


def read_form(fields: dict[str, str]) -> tuple[ThemeForm, Theme | None]:
    """The form as posted, and its theme when every field is valid."""
    form = ThemeForm({name: fields.get(name, "") for name in FIELDS})
    try:
        return form, validate_model(Theme, raw_theme(fields))
    except ValidationFailed as exc:
        errors: dict[str, str] = {}
        for error in exc.fields:
            # `launcher_label.ja` is the field `launcher_label_ja`.
            errors.setdefault(error.path.replace(".", "_"), error.message)
        return ThemeForm(form.values, errors), None
