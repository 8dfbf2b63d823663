"""Shirube: self-hostable onboarding platform (tours, checklists, progress, KPIs)."""

from __future__ import annotations

__version__ = "0.1.0"
