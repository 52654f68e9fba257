"""`ogpsite init DIR`: a new site that builds at once.

Copies the skeleton beside this module (skeleton/: settings, one record of each type in English and
Spanish, a README for editors, an empty templates/ for overrides) into DIR, which must be empty or
not exist yet, so nothing of the user's is ever overwritten.
"""

from __future__ import annotations

import shutil
from pathlib import Path

SKELETON = Path(__file__).resolve().parent / "skeleton"
RENAMED = {"gitignore": ".gitignore"}  # kept without the dot in the package, so packaging keeps it


class NotEmpty(Exception):
    """The target folder already holds files."""


def init_site(target: Path) -> list[Path]:
    """Copy the skeleton into `target`; returns the files written, sorted. Raises NotEmpty."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise NotEmpty(str(target))
    written = []
    for source in sorted(SKELETON.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(SKELETON)
        destination = target / relative.parent / RENAMED.get(relative.name, relative.name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        written.append(destination)
    return sorted(written)
