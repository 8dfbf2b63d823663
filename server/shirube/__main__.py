from __future__ import annotations

from shirube.cli import main

main()
