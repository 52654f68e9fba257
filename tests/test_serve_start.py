"""The preview never loses a save made while it starts (issue 14): the watcher is armed before the
first build reads its inputs, and nothing is answered from the previous site while that build runs.

Each test starts the real server (`python build.py serve`) and saves at once: before it answers,
0 to 0.2 s after its first answer, and twice in quick succession; every save must be served.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from .preview import Preview, edit, private_project

AR0090 = "content/commitments/ar0090"
TITLE = "Federal Program on Open Government"


def h1(page: str) -> str:
    heading = BeautifulSoup(page, "html5lib").h1
    return heading.get_text(strip=True) if heading else ""


def served_eventually(preview: Preview, path: str, ok: Callable[[str], bool], timeout: float = 60) -> str:
    """The page at `path` once `ok(page)` holds; fails with the last page after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    page = ""
    while time.monotonic() < deadline:
        status, page = preview.fetch(path)
        if status == 200 and ok(page):
            return page
        time.sleep(0.1)
    raise AssertionError(f"{path} never showed the save; last page h1: {h1(page)!r}\n" + "\n".join(preview.lines + preview.errors))


def test_saves_before_the_first_answer_and_in_quick_succession_are_all_served(project: Path) -> None:
    private_project(project)
    english = project / AR0090 / "en.md"
    with Preview(project, wait=False) as preview:
        time.sleep(0.3)  # the server is starting: importing, binding, arming, building
        edit(english, f"title: {TITLE}", "title: Saved While Starting")
        line = preview.wait_for(r"^Serving .* on (http://\S+/)")
        preview.url = line.rsplit(" on ", 1)[1].split(" ")[0]
        assert preview.fetch("en/commitments/ar0090/")[0] == 200
        edit(project / "content/themes/open-state/en.md", "title: Open State", "title: Open State Saved At Once")
        time.sleep(0.05)
        edit(project / AR0090 / "facts.yaml", "status: active", "status: finished")  # a second save, breaking it
        # The breaking save is seen (it may share a build with the one before it)...
        page = served_eventually(preview, "en/", lambda p: "ogpsite-build-errors" in p)
        panel = BeautifulSoup(page, "html5lib").select_one("#ogpsite-build-errors").get_text()
        assert f"{AR0090}/facts.yaml:4: 'finished' is not an allowed value for 'status'" in panel
        edit(project / AR0090 / "facts.yaml", "status: finished", "status: inactive")
        # ...and once it is fixed, every save is served.
        page = served_eventually(preview, "en/commitments/ar0090/", lambda p: "ogpsite-build-errors" not in p and "Inactive" in p)
        assert h1(page) == "Saved While Starting"
        served_eventually(preview, "en/themes/open-state/", lambda p: h1(p) == "Open State Saved At Once")
        assert preview.stop() == 0, "\n".join(preview.errors)


def test_the_first_answer_is_never_the_previous_site(project: Path) -> None:
    """A save made after the last run stopped and before this one answers is in its first answer."""
    private_project(project)
    with Preview(project) as preview:
        assert preview.stop() == 0
    edit(project / AR0090 / "en.md", f"title: {TITLE}", "title: Saved Between Runs")
    with Preview(project) as preview:
        status, page = preview.fetch("en/commitments/ar0090/")
        assert status == 200 and h1(page) == "Saved Between Runs"
        assert preview.stop() == 0


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.1, 0.2])
def test_a_save_right_after_the_first_answer_is_served(project: Path, delay: float) -> None:
    """The issue's case: started on the site an earlier run left, answered, saved at once."""
    private_project(project)
    english = project / AR0090 / "en.md"
    with Preview(project) as preview:
        assert preview.stop() == 0
    with Preview(project) as preview:
        assert preview.fetch("en/commitments/ar0090/")[0] == 200
        time.sleep(delay)
        edit(english, f"title: {TITLE}", f"title: Saved {delay} s After")
        served_eventually(preview, "en/commitments/ar0090/", lambda p: h1(p) == f"Saved {delay} s After")
        # and one more right behind it
        edit(english, f"title: Saved {delay} s After", "title: Saved Once More")
        served_eventually(preview, "en/commitments/ar0090/", lambda p: h1(p) == "Saved Once More")
        assert preview.stop() == 0, "\n".join(preview.errors)


def test_the_watcher_sees_a_change_made_the_moment_it_is_armed(tmp_path: Path) -> None:
    """The contract the first build relies on: once `armed` is set, no change is missed."""
    import threading

    from ogpsite.commands.serve_rebuild import Watcher

    for round_ in range(10):
        folder = tmp_path / f"w{round_}"
        (folder / "commitments/ar0090").mkdir(parents=True)
        stop = threading.Event()
        watcher = Watcher([folder], stop)
        watcher.start()
        assert watcher.armed.wait(10)
        (folder / "commitments/ar0090/en.md").write_text("saved", encoding="utf-8")
        try:
            batch = watcher.changes.get(timeout=10)
        finally:
            stop.set()
            watcher.join(10)
        assert str(folder / "commitments/ar0090/en.md") in batch


def test_batches_queued_during_a_build_make_one_rebuild() -> None:
    import queue

    from ogpsite.commands.serve_rebuild import take_batch

    changes: queue.Queue[list[str]] = queue.Queue()
    changes.put(["/c/b.md", "/c/a.md"])
    changes.put(["/c/c.md"])
    assert take_batch(changes, ["/c/a.md"]) == ["/c/a.md", "/c/b.md", "/c/c.md"]
    assert changes.empty()
