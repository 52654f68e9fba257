"""The outdated decision: after an edit, which pages render again and which stage outputs stand.

Every page records what it read from the model while it rendered (reads.py) and the digest of its
own context, template closure and catalog (Renderer.page_digest). A page is rendered again when
it is new, when that digest differs, when any value it read changed, or when the file the last
build wrote for it is no longer there as written. Everything else is reused as it stands. The
same holds for output stages as a whole (stage_cache.py): a stage runs again unless its key,
every file it read and every file it made are as they were.

These are pure functions of the previous state and of what changed, unit-tested on hand-built
states in tests/test_outdated.py; the builder only gathers their inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ogpsite.incremental.cache import PageEntry, touched  # noqa: F401 (outdated.touched: the decision's own name)
from ogpsite.incremental.index import record_owner
from ogpsite.incremental.inputs import Inputs
from ogpsite.incremental.stage_cache import StageOutputs

Changed = Mapping[str, set[str]]  # entity key -> attributes whose value changed (reads.changed_reads)


@dataclass
class RenderPlan:
    """Indexes into the planned pages: those to render and those whose last file stands."""

    render: list[int] = field(default_factory=list)
    reuse: list[int] = field(default_factory=list)


def edited_records(previous: Mapping[str, str], current: Mapping[str, str]) -> set[str]:
    """The records (their owner keys) whose folder was added, edited or removed since the last
    build, given each folder's load key then and now ("section/name" -> key)."""
    owners = {record_owner(*folder.split("/", 1)) for folder, key in current.items() if previous.get(folder, "") != key}
    owners |= {record_owner(*folder.split("/", 1)) for folder in previous.keys() - current.keys()}
    return owners


def decide_outdated(
    urls: Sequence[str],
    digests: Sequence[str],
    previous: Mapping[str, PageEntry],
    changed: Changed,
    intact: Callable[[PageEntry], bool],
) -> RenderPlan:
    """Which of the pages (`urls`, with their page digests now) render again, given the last
    build's entries by URL, the reads whose value changed, and whether a last file still stands."""
    plan = RenderPlan()
    for i, url in enumerate(urls):
        entry = previous.get(url)
        if entry is not None and entry.digest == digests[i] and not entry.touched(changed) and intact(entry):
            plan.reuse.append(i)
        else:
            plan.render.append(i)
    return plan


def current_stage_outputs(
    keys: Sequence[str],
    previous: Mapping[str, StageOutputs],
    inputs: Inputs,
    intact: Callable[[str, str], bool],
) -> dict[int, StageOutputs]:
    """The stages (by position, with their keys now) whose last outputs stand: same key, every
    file they read hashing the same, every file they made still as published."""
    out = {}
    for number, key in enumerate(keys):
        outputs = previous.get(key)
        if outputs is not None and outputs.still_current(inputs) and all(intact(path, sha) for path, sha in outputs.files.items()):
            out[number] = outputs
    return out
