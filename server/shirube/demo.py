"""`shirube demo`: Shirube with the demo host app, Kintai Cloud (`demo_app/`, see docs/demo.md).

The demo app lives at the top of the source tree, not in the `shirube` package: this command
only works from a checkout, where it runs the same launcher as `python -m demo_app`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

SOURCE_TREE = Path(__file__).resolve().parents[2]


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("options", nargs=-1, type=click.UNPROCESSED)
def demo(options: tuple[str, ...]) -> None:
    """Start Shirube (:8000) and the Kintai Cloud demo app (:8001); print how to sign in.

    Options are the launcher's: --host, --shirube-port, --demo-port, --keys-file,
    --demo-database (see `python -m demo_app --help`)."""
    if not (SOURCE_TREE / "demo_app").is_dir():
        raise click.ClickException("the demo app is part of the source tree: run from a checkout")
    if str(SOURCE_TREE) not in sys.path:
        sys.path.insert(0, str(SOURCE_TREE))
    from demo_app.launcher import main  # type: ignore[import-not-found, unused-ignore]

    main(list(options))
