"""Write docs/parameters.md from the parameter table (nonrecip.params).

Usage: ``python docs/gen_parameters.py`` (rewrites the file) or
``python docs/gen_parameters.py --check`` (exit 1 when the file is stale).
(Not ``python -m nonrecip.params``: ``import nonrecip`` imports the module
before runpy runs it, which Python warns about.)
"""

from __future__ import annotations

import sys
from pathlib import Path

from nonrecip.params import markdown_table

TARGET = Path(__file__).with_name("parameters.md")


def main(argv: list[str]) -> int:
    """Write the file, or with ``--check`` return 1 when it is stale."""
    text = markdown_table()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET} is stale: run python docs/gen_parameters.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
