"""A build with nothing to do answers before the heavy libraries are imported.

`ogpsite build` on an unchanged site only scans the inputs, reads the cached state and checks the
published files; Jinja, pydantic, Markdown, the search stemmers and the stages' libraries cost
more than that (about half a second to import) and are imported by the phases that use them
(ogpsite/build/builder.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ogpsite.content import schema
from ogpsite.content.sections import RECORD_SECTIONS

from .conftest import BUILD_DATE, ROOT

HEAVY = ("jinja2", "pydantic", "markdown_it", "yaml", "babel", "icalendar", "lxml", "snowballstemmer", "lunr", "nh3", "ogpsite.stages")

# The command line as build.py runs it, reporting at exit which heavy modules were imported.
PROBE = f"""
import atexit, sys
atexit.register(lambda: print("imported:", sorted(m for m in {HEAVY!r} if m in sys.modules)))
sys.path.insert(0, {str(ROOT)!r})
sys.argv = ["build.py", *sys.argv[1:]]
from ogpsite.commands.cli import main
main()
"""


def build_in(project: Path) -> subprocess.CompletedProcess[str]:
    args = ["build", "--date", BUILD_DATE.isoformat()]
    return subprocess.run([sys.executable, "-c", PROBE, *args], cwd=project, capture_output=True, text=True, timeout=300)


def test_a_build_with_nothing_to_do_imports_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    first = build_in(tmp_path)
    assert first.returncode == 0, first.stderr
    assert "imported: []" not in first.stdout, "a build that renders needs them: the probe sees imports"

    again = build_in(tmp_path)

    assert again.returncode == 0, again.stderr
    assert "nothing had changed" in again.stdout
    assert "imported: []" in again.stdout


def test_the_scan_knows_every_record_folder_the_schema_has() -> None:
    assert RECORD_SECTIONS == tuple(schema.RECORD_TYPES)
