"""The publish phase: the stages' files and the templates' assets join the rendered pages in the
new site (each file once), through the writer that swaps the site in or updates it in place."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ogpsite.build.stage_runs import StagePlan
from ogpsite.errors import BuildFailed, Problem
from ogpsite.output.writers import InPlaceWriter, SiteWriter
from ogpsite.stages import Stage


def publish_stage_files(
    writer: SiteWriter | InPlaceWriter, plan: StagePlan, stages: tuple[Stage, ...], deferred: set[str], shas: dict[str, str]
) -> None:
    """Add each stage's files to `shas` (relpath -> sha256); a file made now is written already,
    a kept one (unchanged, or a deferred stage's last one) is taken from the last site."""
    for number, files in enumerate(plan.files):
        for relpath, staged in sorted(files.items()):
            if relpath in shas:
                raise BuildFailed([Problem("ogpsite/build/publish.py", 0, f"{relpath} is made twice ({stages[number].name})", "")])
            # a cached stage's file, seen unchanged (is_intact), or a deferred stage's last file
            if staged.published and not writer.reuse(relpath, present=relpath not in deferred):
                raise RuntimeError(f"{relpath} vanished from the output folder during the build")
            shas[relpath] = staged.sha


def publish_assets(writer: SiteWriter | InPlaceWriter, assets: dict[str, Path], shas: dict[str, str]) -> None:
    """The template chain's assets (CSS, scripts, images: name -> file, settings.overlay_files) as
    assets/ in the site."""
    for name, file in assets.items():
        data = file.read_bytes()
        relpath = f"assets/{name}"
        writer.write(relpath, data)
        shas[relpath] = hashlib.sha256(data).hexdigest()
