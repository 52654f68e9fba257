"""The input scan: every file a build reads, hashed (trusting unchanged stats, see inputs.Inputs),
summed up as digests of the parts a build decides on, and the signature of them all.

A preview's rebuild is told which paths changed (`hints`): it hashes only those record folders,
the templates or the top of content/ again, and takes the rest from its last scan.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ogpsite.content.sections import RECORD_SECTIONS
from ogpsite.incremental.inputs import Inputs, Stamp, digest_of, generator_version
from ogpsite.incremental.stage_cache import reads_digest
from ogpsite.settings import BuildSettings


@dataclass(frozen=True)
class FolderScan:
    section: str  # commitments, themes, events, stories
    path: str  # a string: made for every record folder of every build
    digest: str | None  # of every file in it; None: something could not be read (never cached)


@dataclass
class InputScan:
    inputs: Inputs
    folders: dict[str, FolderScan]  # "section/name" -> its scan
    global_digest: str  # site.yaml, the supporting files, anything else at the top of content/
    templates_digest: str
    content_digest: str  # of what the model is made from ("" when a folder could not be read)
    signature: str = ""  # of everything: inputs, settings, generator (see `signature`)


@dataclass
class _Narrowed:
    """What a list of changed paths touches."""

    folders: set[str] = field(default_factory=set)  # record folders, "section/name"
    templates: bool = False
    top: bool = False  # the top of content/


def scan_inputs(
    settings: BuildSettings,
    files: dict[str, Stamp],
    scan_ns: int,
    stage_reads: list[tuple[str, str]],
    last: InputScan | None = None,
    hints: Iterable[str | Path] | None = None,
) -> InputScan:
    """Hash every input (`files` and `scan_ns`: the last build's stamps), or, given this process's
    `last` scan and the `hints` that changed since, only what they name."""
    content, templates = settings.content_dir.resolve(), settings.templates_dir.resolve()
    narrowed = _narrow(hints, content, templates) if last is not None and hints is not None else None
    if narrowed is None:
        last = None
    inputs = Inputs(files, scan_ns)
    if last is not None and narrowed is not None:
        stale = [str(content / name) for name in narrowed.folders] + ([str(templates)] if narrowed.templates else [])
        inputs.stamps.update(
            {path: stamp for path, stamp in last.inputs.stamps.items() if not any(path.startswith(s + os.sep) for s in stale)}
        )
    if last is None or (narrowed is not None and narrowed.top):
        global_digest = _top_digest(content, inputs)
    else:
        global_digest = last.global_digest
    folders = _record_folders(content, inputs, last, narrowed.folders if narrowed else set())
    if last is None or (narrowed is not None and narrowed.templates):
        templates_digest = digest_of([inputs.tree(folder.resolve()) for folder in settings.template_dirs])  # the site's, then the theme
    else:
        templates_digest = last.templates_digest
    content_digest = digest_of(global_digest, sorted((name, folder.digest) for name, folder in folders.items()))
    if any(folder.digest is None for folder in folders.values()):
        content_digest = ""
    scan = InputScan(inputs, folders, global_digest, templates_digest, content_digest)
    scan.signature = signature(settings, scan, stage_reads)  # with what the stages read last time
    return scan


def signature(settings: BuildSettings, scan: InputScan, stage_reads: list[tuple[str, str]]) -> str:
    """Of every input and setting: equal to the last build's means there is nothing to do."""
    if not scan.content_digest:
        return f"uncacheable:{time.time_ns()}"  # a folder could not be read: always build
    stage_inputs = reads_digest(stage_reads, scan.inputs) if stage_reads else ""
    return digest_of(
        generator_version(), settings.base_url, settings.today.isoformat(), scan.content_digest, scan.templates_digest, stage_inputs
    )


def _narrow(hints: Iterable[str | Path], content: Path, templates: Path) -> _Narrowed | None:
    """Which parts the changed paths are in; None when one is outside what can be narrowed down."""
    narrowed = _Narrowed()
    for hint in hints:
        path = Path(os.path.abspath(hint))
        if path.is_relative_to(templates):
            narrowed.templates = True
        elif path.is_relative_to(content):
            parts = path.relative_to(content).parts
            if len(parts) >= 2 and parts[0] in RECORD_SECTIONS:
                narrowed.folders.add(f"{parts[0]}/{parts[1]}")
            else:
                narrowed.top = True
        else:  # outside what we know how to narrow down: check everything
            return None
    return narrowed


def _top_digest(content: Path, inputs: Inputs) -> str:
    """The top of content/: site.yaml, the supporting files, anything else (reported there)."""
    top: list[tuple[str, str]] = []
    if content.is_dir():
        for entry in sorted(os.scandir(content), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            if entry.name in RECORD_SECTIONS and entry.is_dir():
                # loose files among the record folders are reported: they count too
                top += [(f"{entry.name}/{e.name}", "file") for e in os.scandir(entry.path) if not e.is_dir()]
            elif entry.is_dir():
                top += [(f"{entry.name}/{rel}", kind) for rel, kind in inputs.tree(Path(entry.path))]
            else:
                top.append((entry.name, inputs.sha(Path(entry.path)) or "unreadable"))
    return digest_of(top)


def _record_folders(content: Path, inputs: Inputs, last: InputScan | None, touched: set[str]) -> dict[str, FolderScan]:
    """Every record folder with the digest of its files (from `last` where it was not touched)."""
    folders: dict[str, FolderScan] = {}
    for section in RECORD_SECTIONS:
        section_dir = content / section
        if not section_dir.is_dir():
            continue
        for entry in sorted(os.scandir(section_dir), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            name = f"{section}/{entry.name}"
            known = last.folders.get(name) if last is not None and name not in touched else None
            if known is not None:
                folders[name] = known
                continue
            try:
                tree = inputs.tree(entry.path, is_dir=True)
            except OSError:
                folders[name] = FolderScan(section, entry.path, None)
                continue
            digest = None if any(kind == "unreadable" for _, kind in tree) else digest_of(tree)
            folders[name] = FolderScan(section, entry.path, digest)
    return folders
