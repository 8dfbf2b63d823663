"""The examples in docs/content-format.md are valid and match the samples the tests use."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from shirube.content import validate_audience, validate_checklist, validate_document, validate_tour

from .samples import FULL_CHECKLIST, FULL_TOUR

DOC = Path(__file__).resolve().parents[2] / "docs" / "content-format.md"


def examples() -> list[Any]:
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return [json.loads(block) for block in blocks]


def test_every_example_is_valid() -> None:
    found = examples()
    assert len(found) == 5
    for example in found:
        if "css" in example:  # a robust target
            step = {"id": "s", "kind": "tooltip", "title": "T", "target": example}
            validate_tour({"key": "t", "name": "T", "steps": [step]})
        elif "format" in example:
            validate_document(example)
        elif "steps" in example:
            validate_tour(example)
        elif "items" in example:
            validate_checklist(example, {"import-employees", "welcome"})
        else:
            validate_audience(example)


def test_full_examples_are_the_samples() -> None:
    found = examples()
    assert FULL_TOUR in found
    assert FULL_CHECKLIST in found
