"""`ogpsite clean`: remove the build cache and the built site, so the next build starts from nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from ogpsite.output.writers import MARKER, check_output_dir, remove_stale_builds, spare_dir
from ogpsite.settings import CACHE_DIR


def clean(project_root: Path, output: Path | None) -> list[str]:
    """Remove the project's build cache and, given `output`, the site built there with the spare
    and unfinished copies beside it (only folders ogpsite made: see output.check_output_dir).
    Returns what was removed."""
    removed = []
    root = project_root / CACHE_DIR
    if output is not None:
        check_output_dir(output, [project_root / "content", project_root / "templates", project_root / "ogpsite"])
        target = output.resolve()
        remove_stale_builds(target)  # what interrupted builds left (not running ones)
        for folder in (target, spare_dir(target)):
            if folder.is_dir() and not folder.is_symlink() and (folder / MARKER).exists():
                shutil.rmtree(folder)
                removed.append(f"{output}/" if folder == target else folder.name)
    if root.exists():
        shutil.rmtree(root)
        removed.append(f"{CACHE_DIR.as_posix()}/")
    return removed
