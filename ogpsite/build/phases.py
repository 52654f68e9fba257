"""The data each phase of a build hands to the next (builder.py), and the build modes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for the fields only: builder.py imports BuildMode before any heavy module
    from ogpsite.build.loading import LoadedRecord
    from ogpsite.build.stage_runs import StagePlan
    from ogpsite.errors import Problem
    from ogpsite.incremental.cache import PageEntry
    from ogpsite.incremental.outdated import Changed
    from ogpsite.model.pages import Page
    from ogpsite.model.site import SiteModel
    from ogpsite.render.renderer import Renderer


class BuildMode(enum.Enum):
    """How a Builder lives and publishes."""

    BUILD = "build"  # one complete build: the new site is swapped in whole; nothing is kept in memory
    WATCH = "watch"  # kept in memory between rebuilds; after the first build, `site/` is updated in place
    PREVIEW = "preview"  # WATCH, and a rebuild leaves the site-wide stages to `finish()`: the edited page first

    @property
    def keeps_memory(self) -> bool:
        return self is not BuildMode.BUILD

    @property
    def in_place(self) -> bool:
        """Update the last site in place (output.InPlaceWriter): much faster, not atomic as a whole."""
        return self is not BuildMode.BUILD

    @property
    def defers_stages(self) -> bool:
        return self is BuildMode.PREVIEW


@dataclass
class Loaded:
    """The load phase: the model, what was wrong, and each record folder as loaded."""

    model: SiteModel
    warnings: list[Problem]
    records: dict[str, LoadedRecord]  # "section/name" -> as loaded (in BUILD mode: keys only)
    record_keys: dict[tuple[str, str], str]  # (section, slug) -> load key, for StageCache.record_digest
    base_url: str


@dataclass
class Planned:
    """The plan phase: every page of the site, and how it renders."""

    renderer: Renderer
    pages: list[Page]
    digests: list[str]  # Renderer.page_digest of each page
    changed: Changed = field(default_factory=dict)  # the reads whose value changed since the last build


@dataclass
class Rendered:
    """The render phase: every page's entry for the next build, and each stage's files."""

    pages: dict[str, PageEntry] = field(default_factory=dict)  # URL -> entry
    digests: dict[str, dict[str, str]] = field(default_factory=dict)  # entity key -> attribute -> digest
    stages: StagePlan | None = None
    errors: list[Problem] = field(default_factory=list)
