"""The output stages within one Builder: which run now, which stand, which wait for `finish()`.

A stage runs again only when its key (class, name, the digest of the content it reads, base URL,
build date; `content_digest_for`) is new, a file it read changed, or a file it made is not as
published (incremental/outdated.py). In PREVIEW mode a rebuild also leaves the stages that would
run for `finish()`: their last files stay published, and the state is saved as pending, so no
later build takes it for up to date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ogpsite.errors import Problem
from ogpsite.incremental import stage_cache
from ogpsite.incremental.cache import State
from ogpsite.incremental.inputs import digest_of
from ogpsite.incremental.manifest import is_intact
from ogpsite.incremental.scan import InputScan
from ogpsite.incremental.stage_cache import STAGE_OUTPUTS, StageCache, StageOutputs

if TYPE_CHECKING:  # a Builder is made, and finds nothing to do, without importing the stages
    from ogpsite.build.workers import StagedFile, StageDone
    from ogpsite.stages import Stage


@dataclass
class StagePlan:
    """Per stage, by position: its key now, and the files and problems it publishes."""

    keys: list[str]
    files: list[dict[str, StagedFile]]
    problems: list[list[Problem]]
    todo: list[int] = field(default_factory=list)  # the stages to run now


class StageRuns:
    """What a Builder remembers of its stages between rebuilds, and the decision for each."""

    def __init__(self, stages: tuple[Stage, ...]):
        self.stages = stages
        self.pending: tuple[str, ...] = ()  # stages the last rebuild left for finish()
        self.seconds: dict[str, float | None] = {}  # per stage, last build; None: not run
        self.last_files: dict[str, dict[str, str]] = {}  # stage name -> files it last published (relpath -> sha)
        self.last_keys: dict[str, str] = {}  # stage name -> its key in the stage cache, last build

    def plan(
        self, scan: InputScan, previous: State, output: Path, base_url: str, today: dt.date, cache: StageCache, defer: bool
    ) -> StagePlan:
        keys = [
            stage_cache.key(stage, content_digest_for(scan, getattr(stage, "reads_sections", None)), base_url, today)
            for stage in self.stages
        ]
        previous_outputs: MutableMapping[str, StageOutputs] = previous.stages.get(STAGE_OUTPUTS) or {}
        reused: dict[int, StageOutputs] = {}
        if scan.content_digest:
            from ogpsite.incremental.outdated import current_stage_outputs

            intact = lambda path, sha: is_intact(output, path, sha, previous.manifest)  # noqa: E731
            reused = current_stage_outputs(keys, previous_outputs, scan.inputs, intact)
        current = cache.current.setdefault(STAGE_OUTPUTS, {})
        plan = StagePlan(keys, [{} for _ in self.stages], [[] for _ in self.stages])
        for number, outputs in reused.items():
            current[keys[number]] = outputs
            plan.files[number], plan.problems[number] = published(outputs.files), list(outputs.problems)
        self.seconds = {stage.name: None for stage in self.stages}
        deferred = []
        if defer:
            if not self.last_files:  # what the cached state says the stages last published
                for name, key in previous.report.get("stage_keys", {}).items():
                    if key in previous_outputs:
                        self.last_files[name] = dict(previous_outputs[key].files)
            for number, stage in enumerate(self.stages):
                if number not in reused and stage.name in self.last_files:
                    plan.files[number] = published(self.last_files[stage.name])
                    deferred.append(stage.name)
        self.pending = tuple(deferred)
        self.last_keys = {stage.name: key for stage, key in zip(self.stages, keys, strict=True)}
        plan.todo = [n for n, stage in enumerate(self.stages) if n not in reused and stage.name not in self.pending]
        return plan

    def done(self, plan: StagePlan, done: StageDone, scan: InputScan, cache: StageCache) -> None:
        """A stage has run: note its files, and keep its outputs for the next build unless it failed."""
        plan.files[done.number], plan.problems[done.number] = done.files, done.run.problems
        self.seconds[self.stages[done.number].name] = done.run.seconds
        if not any(p.is_error for p in done.run.problems):
            made = {relpath: staged.sha for relpath, staged in done.files.items()}
            reads = done.run.reads
            outputs = StageOutputs(reads, stage_cache.reads_digest(reads, scan.inputs), made, list(done.run.problems))
            cache.current.setdefault(STAGE_OUTPUTS, {})[plan.keys[done.number]] = outputs

    def leave_for_later(self, plan: StagePlan, numbers: list[int]) -> None:
        """Stages that were to run and did not (a stopped finish()): deferred like the others,
        their last files stay published and the state is saved as pending."""
        for number in numbers:
            name = self.stages[number].name
            plan.files[number], plan.problems[number] = published(self.last_files.get(name, {})), []
        self.pending = (*self.pending, *(self.stages[n].name for n in numbers))

    def deferred_files(self) -> set[str]:
        """The files of the stages left for finish(): published as they were, possibly absent."""
        return {relpath for name in self.pending for relpath in self.last_files.get(name, {})}

    def remember(self, plan: StagePlan) -> None:
        self.last_files = {
            stage.name: {relpath: s.sha for relpath, s in files.items()} for stage, files in zip(self.stages, plan.files, strict=True)
        }

    def keys_to_keep(self) -> dict[str, str]:
        """Each stage's entry in the stage cache, unless deferred (its files are then older)."""
        return {name: key for name, key in self.last_keys.items() if name not in self.pending}


def content_digest_for(scan: InputScan, sections: tuple[str, ...] | None) -> str:
    """What of the content a stage's key covers: everything (`sections` None), or the top of
    content/ (site.yaml, the supporting files) and the record folders of the sections it reads
    (a stage's `reads_sections`), so an edit elsewhere leaves it as it is. "" when a folder could
    not be read (then nothing is reused)."""
    if sections is None or not scan.content_digest:
        return scan.content_digest
    folders = sorted((name, folder.digest) for name, folder in scan.folders.items() if folder.section in sections)
    return digest_of("sections", sorted(sections), scan.global_digest, folders)


def published(files: dict[str, str]) -> dict[str, StagedFile]:
    """A stage's files kept as the site has them (relpath -> sha), in the form stages report."""
    from ogpsite.build.workers import StagedFile

    return {relpath: StagedFile(sha, written=False, published=True) for relpath, sha in files.items()}
