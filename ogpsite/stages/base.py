"""What an output stage is: the interface every file beside the rendered pages is made through.

A stage turns the whole site model into files (`{lang}/search-index.json`, `sitemap.xml`,
`data/…`). The builder runs each stage whose inputs changed, in a worker process while the pages
render, and publishes its files with the pages. To add an output, write a class with a `name`
and a `run` method in a module of this package and add an instance to `DEFAULT_STAGES` in
`__init__.py` (or pass your own tuple to `build(settings, stages=…)`).

A stage does not declare what it reads. The model's inputs, the settings and the generator key
it; every other file it opens or folder it lists while it runs (catalogs, node_modules, data of
Python packages) is observed (incremental/stage_reads.py) and hashed, so a stage is never reused
after a change it could not have declared. Keep per-record work between builds with
`context.cache.memo(namespace, key, compute)` keyed by `context.cache.record_digest(record)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ogpsite.errors import Problem
from ogpsite.incremental.stage_cache import StageCache
from ogpsite.settings import BuildSettings

if TYPE_CHECKING:
    from ogpsite.model.site import SiteModel


@dataclass(frozen=True)
class StageContext:
    """What a stage may know about the build besides the model."""

    settings: BuildSettings
    base_url: str
    cache: StageCache = field(default_factory=StageCache)


@dataclass
class StageResult:
    """The files a stage made (path under the output folder -> bytes) and what it found wrong.
    A stage with an error among its problems stops the build; its files are not published."""

    files: dict[str, bytes]
    problems: list[Problem] = field(default_factory=list)


class Stage(Protocol):
    """An output stage. `name` names it in reports, the stage cache and `Builder.pending_stages`;
    `run` must be a function of the model and the context (and of files it reads), nothing else.

    A stage may also have `reads_sections`, a tuple of the record types (`model.records` keys) it
    reads, directly or through references: it is then keyed by those folders, site.yaml and the
    supporting files only, and an edit of any other record leaves it as it is. Without it, every
    record keys it."""

    name: str

    def run(self, model: SiteModel, context: StageContext) -> StageResult: ...
