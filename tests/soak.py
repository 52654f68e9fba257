"""The preview under sustained editing (issue 14): `ogpsite serve` with a page open in Chromium,
a stream of saves across many files (text edits, a renamed record, a deleted and re-created
record, a template edit, an editor's atomic save, a broken file fixed two saves later), requests
polled all along. Bounded, loopback only, stops by itself. Used by tests/test_serve_soak.py
(small) and benchmarks/serve_soak.py (the issue's size, with figures).
"""

from __future__ import annotations

import html
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conftest import BUILD_DATE, ROOT
from .preview import Preview, private_project
from .test_deterministic import differences
from .test_deterministic import files as site_files

CONNECTED = "() => !!(window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol >= 6)"
RENAMED = ("content/stories/national-and-local-together", "content/stories/national-and-local-together-again")
RECREATED = "content/stories/from-regional-to-local-2022"
BROKEN = "content/themes/open-state/facts.yaml"
STABLE = ["en/", "es/", "en/commitments/", "es/themes/open-state/", "en/events/", "en/search/"]  # exist throughout


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def clean_build(project: Path, base_url: str, output: str = "clean") -> Path:
    """A clean `ogpsite build` of the project's content and templates, at the same address."""
    command = [sys.executable, str(ROOT / "build.py"), "build", "--templates", "templates", "--date", BUILD_DATE.isoformat()]
    command += ["--base-url", base_url, "--output", output, "-q"]
    done = subprocess.run([*command, "--no-cache"], cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return project / output


@dataclass(eq=False)  # a thread is hashed by identity
class Poller(threading.Thread):
    """Fetches pages that exist throughout, again and again, noting every failed or partial answer."""

    url: str
    paths: list[str]
    stop: threading.Event = field(default_factory=threading.Event)
    requests: int = 0
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(name="soak-poller", daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            for path in self.paths:
                self.requests += 1
                try:
                    with urllib.request.urlopen(self.url + path, timeout=30) as response:
                        body = response.read()
                        if response.status != 200 or not body.rstrip().endswith(b"</html>"):
                            self.failures.append(f"{path}: {response.status}, {len(body)} bytes ending {body[-40:]!r}")
                except (urllib.error.URLError, OSError, ValueError) as exc:
                    self.failures.append(f"{path}: {exc}")
            time.sleep(0.02)


@dataclass
class SoakResult:
    saves: int
    files: int
    seconds: float  # of saving
    settle_seconds: float  # from the last save until the watcher went quiet and all was built
    requests: int
    failures: list[str]
    browser_failures: list[str]
    reloads: int
    rss_after_first_kb: int
    rss_after_kb: int
    missing: list[str]  # last saves not served
    differences: list[str]  # served site/ against a clean build
    builds: int
    panel_at_end: bool  # the error panel still shown once all was fixed
    log: list[str]


def _title_files(project: Path, count: int) -> list[Path]:
    """`count` language files whose title line the soak edits: commitments first, both languages."""
    files = []
    for folder in sorted((project / "content/commitments").iterdir()):
        files += [folder / "en.md", folder / "es.md"]
    return [f for f in files if f.is_file()][:count]


def _retitle(file: Path, mark: str, atomic: bool = False) -> str:
    text = file.read_text(encoding="utf-8")
    title = re.search(r"^title: ([\"']?)(.*?)(?: \[[^\]]*\])?\1$", text, re.MULTILINE)
    assert title, file
    new = f"{title.group(2)} [{mark}]"
    text = text[: title.start()] + f"title: {title.group(1)}{new}{title.group(1)}" + text[title.end() :]
    if atomic:  # as editors save: a new file beside it, renamed over it
        tmp = file.with_name(f".{file.name}.soak.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, file)
    else:
        file.write_text(text, encoding="utf-8")
    return new


def wait_quiet(preview: Preview, quiet: float = 2.5, timeout: float = 180) -> float:
    """Seconds until the server has printed nothing for `quiet` seconds after finishing its work."""
    started = time.monotonic()
    seen, last_change = len(preview.lines), time.monotonic()
    while time.monotonic() - started < timeout:
        time.sleep(0.1)
        if len(preview.lines) != seen:
            seen, last_change = len(preview.lines), time.monotonic()
            continue
        if time.monotonic() - last_change >= quiet:
            builds = [line for line in preview.lines if "] Built" in line or "] Build failed" in line or "updated in" in line]
            if builds and "follow" not in builds[-1]:
                return last_change - started
    raise AssertionError("the preview never went quiet:\n" + "\n".join(preview.lines[-30:] + preview.errors[-30:]))


def soak(project: Path, browser: Any, saves: int = 300, seconds: float = 30, files: int = 30, seed: int = 14) -> SoakResult:
    """Run the soak on a copy of the sample in `project` (a fresh folder); see the module docstring."""
    shutil.copytree(ROOT / "content", project / "content")
    private_project(project)
    rng = random.Random(seed)
    targets = _title_files(project, max(1, files - 6))
    expected: dict[str, tuple[str, str]] = {}  # served path -> (file edited, its last title)
    special: dict[int, Callable[[int], None]] = {}

    def page_of(file: Path) -> str:
        return f"{file.name[:2]}/commitments/{file.parent.name}/"

    def rename(_: int) -> None:
        os.rename(project / RENAMED[0], project / RENAMED[1])

    def delete(_: int) -> None:
        shutil.move(str(project / RECREATED), str(project / "deleted-story"))

    def recreate(k: int) -> None:
        shutil.copytree(project / "deleted-story", project / RECREATED)
        shutil.rmtree(project / "deleted-story")
        expected["en/stories/from-regional-to-local-2022/"] = (RECREATED + "/en.md", _retitle(project / RECREATED / "en.md", f"back {k}"))

    def template(k: int) -> None:
        base = project / "templates/base.html"
        text = re.sub(r'<body( data-soak="\d+")?', f'<body data-soak="{k}"', base.read_text(encoding="utf-8"), count=1)
        base.write_text(text, encoding="utf-8")

    def break_facts(_: int) -> None:
        facts = project / BROKEN
        facts.write_text(facts.read_text(encoding="utf-8").replace("order:", "order: first\nwas_order:", 1), encoding="utf-8")

    def fix_facts(_: int) -> None:
        facts = project / BROKEN
        facts.write_text(facts.read_text(encoding="utf-8").replace("order: first\nwas_order:", "order:", 1), encoding="utf-8")

    def spanish_theme(k: int) -> None:
        file = project / "content/themes/open-state/es.md"
        expected["es/themes/open-state/"] = (str(file), _retitle(file, f"tema {k}"))

    at = lambda fraction: max(1, int(saves * fraction))  # noqa: E731
    special[at(0.15)] = rename
    special[at(0.25)] = delete
    special[at(0.35)] = recreate
    special[at(0.45)] = template
    special[at(0.55)] = break_facts
    special[at(0.55) + 2] = fix_facts  # fixed two saves later
    special[at(0.65)] = spanish_theme
    special[at(0.75)] = template
    first_window = min(30, saves // 3)

    with Preview(project) as preview:
        context = browser.new_context()
        page = context.new_page()
        browser_failures: list[str] = []
        reloads = [0]
        page.on(
            "requestfailed", lambda r: browser_failures.append(f"{r.url}: {r.failure}") if "ERR_ABORTED" not in (r.failure or "") else None
        )
        page.on("response", lambda r: browser_failures.append(f"{r.url}: {r.status}") if r.status >= 500 else None)
        page.on("load", lambda: reloads.__setitem__(0, reloads[0] + 1))
        page.goto(preview.url + page_of(targets[0]))
        page.wait_for_function(CONNECTED, timeout=30_000)
        poller = Poller(preview.url, [*STABLE, page_of(targets[-1])])
        poller.start()
        rss_first = 0
        started = time.monotonic()
        pid = preview.process.pid
        for k in range(1, saves + 1):
            if k in special:
                special[k](k)
            else:
                file = rng.choice(targets)
                atomic = k % 7 == 0
                expected[page_of(file)] = (str(file), _retitle(file, f"save {k}", atomic=atomic))
            if k == first_window:  # memory once the first saves are built (the pause is not counted)
                paused = time.monotonic()
                wait_quiet(preview)
                rss_first = rss_kb(pid)
                started += time.monotonic() - paused
            delay = started + seconds * k / saves - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        saving = time.monotonic() - started
        settle = wait_quiet(preview)
        poller.stop.set()
        poller.join(60)
        rss_after = rss_kb(pid)
        missing = []
        for path, (file, title) in sorted(expected.items()):
            status, body = preview.fetch(path)
            if status != 200 or html.escape(title, quote=False) not in body:
                missing.append(f"{path} ({file}): expected {title!r}, got {status}")
        panel_at_end = "ogpsite-build-errors" in preview.fetch("en/")[1]
        context.close()
        builds = sum(1 for line in preview.lines if "] Built" in line or "] Build failed" in line)
        assert preview.stop() == 0, "\n".join(preview.errors)
        served = site_files(project / "site")
        clean = site_files(clean_build(project, preview.url))
    return SoakResult(
        saves=saves,
        files=len(targets) + 6,
        seconds=saving,
        settle_seconds=settle,
        requests=poller.requests,
        failures=poller.failures,
        browser_failures=browser_failures,
        reloads=reloads[0],
        rss_after_first_kb=rss_first,
        rss_after_kb=rss_after,
        missing=missing,
        differences=differences(served, clean),
        builds=builds,
        panel_at_end=panel_at_end,
        log=preview.lines,
    )


@dataclass
class KillResult:
    updated_at_kill: int  # pages already carrying the edit when the server was killed
    pages: int
    built_before_kill: bool
    differences: list[str]
    output: str


def _edited_pages(site: Path) -> tuple[int, int]:
    pages = list(site.rglob("*.html"))
    edited = 0
    for page in pages:
        try:
            edited += b'data-killed="yes"' in page.read_bytes()
        except OSError:
            pass
    return edited, len(pages)


def kill_mid_update(project: Path, timeout: float = 60) -> KillResult:
    """kill -9 the server while it updates site/ in place after a template edit (every page
    re-renders): as soon as some pages carry the edit. Then `ogpsite build` (with the cache) and
    compare with a clean build."""
    if not (project / "content").exists():
        shutil.copytree(ROOT / "content", project / "content")
        private_project(project)
    with Preview(project) as preview:
        seen = len(preview.lines)
        base = project / "templates/base.html"
        base.write_text(base.read_text(encoding="utf-8").replace("<body", '<body data-killed="yes"', 1), encoding="utf-8")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _edited_pages(project / "site")[0] == 0:
            time.sleep(0.01)
        preview.process.send_signal(signal.SIGKILL)
        preview.process.wait(30)
        built = any("] Built" in line for line in preview.lines[seen:])
        url = preview.url
    updated, pages = _edited_pages(project / "site")
    command = [sys.executable, str(ROOT / "build.py"), "build", "--templates", "templates", "--date", BUILD_DATE.isoformat()]
    done = subprocess.run([*command, "--base-url", url, "-q"], cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    clean = site_files(clean_build(project, url, "clean-after-kill"))
    return KillResult(updated, pages, built, differences(site_files(project / "site"), clean), done.stdout + done.stderr)
