"""Kintai Cloud: the demo attendance-management SaaS that embeds Shirube (see docs/demo.md)."""
