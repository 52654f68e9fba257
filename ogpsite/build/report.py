"""What a build tells its caller (the command line, the preview, the benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ogpsite.errors import Problem
from ogpsite.incremental.cache import State

if TYPE_CHECKING:  # a build with nothing to do reports without importing the model
    from ogpsite.model.site import SiteModel


@dataclass
class BuildOutput:
    """What the build published next to what the previous build in the same output folder had, as
    the cached states record them (for `ogpsite build --summary`, build/summary.py). References
    to the states' own dictionaries: nothing is copied unless a summary is asked for."""

    manifest: dict[str, tuple[str, int, int, int]]  # relpath -> (sha256, size, mtime_ns, inode); folders end in "/"
    previous_manifest: dict[str, tuple[str, int, int, int]] | None  # None: no previous build is known
    records: dict[str, tuple[str, bytes | None]]  # "section/slug" -> (load key, …) now
    previous_records: dict[str, tuple[str, bytes | None]]
    base_url: str = "/"  # where the site is published (the build's --base-url, else content/site.yaml)


def build_output(previous: State, new: State, base_url: str) -> BuildOutput:
    """A build's output against the previous state (an empty manifest: there was no previous build)."""
    return BuildOutput(new.manifest, previous.manifest or None, new.records, previous.records, base_url)


@dataclass
class BuildReport:
    pages: int = 0  # files made: pages and the output stages' files
    written: int = 0  # files written because they are new or changed
    reused: int = 0  # files unchanged from the previous site (hard-linked, modification time kept)
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)
    model: SiteModel | None = None  # None when nothing had changed (then nothing was loaded)
    rendered: int = 0  # pages rendered by this build
    cached: int = 0  # pages not rendered: the cache showed their last rendering still current
    translations: list[tuple[str, str, str]] = field(default_factory=list)  # (record folder, language, status)
    up_to_date: bool = False  # nothing had changed since the last build
    rendered_urls: list[str] = field(default_factory=list)  # the pages this build rendered (for logs and tests)
    stage_seconds: dict[str, float | None] = field(default_factory=dict)  # per output stage; None: reused
    output: BuildOutput | None = None  # what was published, and what the previous build had

    def remembered(self) -> dict[str, object]:
        """What the next build repeats if it finds nothing to do (kept in the cached state)."""
        return {
            "pages": self.pages,
            "warnings": [(p.path, p.line, p.message, p.hint, p.severity) for p in self.warnings],
            "translations": self.translations,
            "base_url": self.output.base_url if self.output else "/",
        }


def repeated_report(previous: State, seconds: float) -> BuildReport:
    """Nothing changed and the site is as the last build left it: that build's report again."""
    report = previous.report
    return BuildReport(
        pages=report.get("pages", 0),
        written=0,
        reused=sum(1 for relpath in previous.manifest if not relpath.endswith("/")),
        seconds=seconds,
        warnings=[Problem(*fields) for fields in report.get("warnings", [])],
        cached=report.get("page_count", 0),
        translations=[tuple(t) for t in report.get("translations", [])],  # type: ignore[misc]
        up_to_date=True,
        output=BuildOutput(previous.manifest, previous.manifest, {}, {}, report.get("base_url", "/")),  # the same site: nothing changed
    )
