"""ogpsite installed from its wheel into a fresh virtual environment outside the checkout: `init`
makes a site, `build` builds it with no node or npm on PATH, and the result has both languages, the
theme's assets and a search index the real lunr.js (under Node) answers from; a site that overrides
one template gets it, and the packaged theme for the rest.

Slow (a wheel and a virtual environment, once per session), and offline: dependencies come from a
local wheelhouse, $OGPSITE_WHEELHOUSE or .cache/wheels/, which `make test` fills from the lock
(requirements/*.txt) before the tests run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import ogpsite

from .conftest import BUILD_DATE, ROOT, parse_html
from .test_search_node import ids, query

WHEELHOUSE = Path(os.environ.get("OGPSITE_WHEELHOUSE", ROOT / ".cache" / "wheels"))


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    env: dict[str, str]  # PATH: the environment's bin/ only, so no node, npm or checkout

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / "ogpsite"), *args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=300
        )


def _run(*args: str | Path, cwd: Path) -> None:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def node() -> str:
    """Node runs the real lunr.js over the built index (the test only, never the build)."""
    found = shutil.which("node")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js is needed for the search test: .ci/run installs it")
        pytest.skip("Node.js is not installed")
    return found


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if not any(WHEELHOUSE.glob("jinja2-*.whl")):
        if os.environ.get("CI"):
            pytest.fail(f"no wheelhouse in {WHEELHOUSE}: `make test` makes it")
        pytest.skip(f"no wheelhouse in {WHEELHOUSE} (`make test` makes it; or set OGPSITE_WHEELHOUSE)")
    work = tmp_path_factory.mktemp("wheel")
    # README's command, offline: -P keeps the checkout's build.py from shadowing the `build` tool.
    _run(sys.executable, "-P", "-m", "build", "--wheel", "--no-isolation", "--outdir", work / "dist", ROOT, cwd=work)
    (wheel,) = (work / "dist").glob("ogpsite-*.whl")
    venv = work / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--no-index"]
    _run(*pip, "--find-links", WHEELHOUSE, wheel, cwd=work)
    env = {"PATH": str(venv / "bin"), "HOME": str(work), "LANG": "C.UTF-8"}
    assert shutil.which("node", path=env["PATH"]) is None and shutil.which("npm", path=env["PATH"]) is None
    return Installed(wheel, venv, env)


def test_the_wheel_carries_the_theme_the_libraries_and_the_licence(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    theme = {f"ogpsite/theme/{p.relative_to(ROOT / 'templates').as_posix()}" for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert theme <= names and "ogpsite/theme/assets/site.css" in theme and "ogpsite/theme/locale/es/LC_MESSAGES/messages.po" in theme
    assert {"ogpsite/vendor/manifest.json", "ogpsite/vendor/lunr/lunr.min.js", "ogpsite/vendor/snowball/spanish-stemmer.js"} <= names
    assert "ogpsite/commands/skeleton/gitignore" in names
    assert f"ogpsite-{ogpsite.__version__}.dist-info/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(installed.wheel).read(f"ogpsite-{ogpsite.__version__}.dist-info/METADATA").decode()
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert "Requires-Dist: jinja2==3.1.6" in requires and not [r for r in requires if "sphinx" in r.lower()]
    where = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", "import ogpsite.settings as s; print(s.default_theme_dir())"],
        cwd=installed.venv,
        env=installed.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.venv) and where.endswith("ogpsite/theme")  # not the checkout's templates/


def test_init_and_build_outside_the_checkout_without_node(installed: Installed, node: str, tmp_path: Path) -> None:
    version = installed.run("--version", cwd=tmp_path)
    assert version.stdout.strip() == f"ogpsite, version {ogpsite.__version__}"
    assert installed.run("init", "city", cwd=tmp_path).returncode == 0
    site = tmp_path / "city"
    built = installed.run("build", "--strict", "--date", BUILD_DATE.isoformat(), cwd=site)
    assert built.returncode == 0, built.stdout + built.stderr
    out = site / "site"
    for lang in ("en", "es"):
        home = parse_html(out / lang / "index.html")
        assert home.html["lang"] == lang  # type: ignore[index]
        assert (out / lang / "commitments" / "ar0090" / "index.html").is_file()
    for asset in ("site.css", "search.js", "search-core.js", "favicon.svg"):
        assert (out / "assets" / asset).read_bytes() == (ROOT / "templates" / "assets" / asset).read_bytes(), asset
    assert (out / "assets" / "vendor" / "lunr.min.js").read_bytes() == (ROOT / "ogpsite" / "vendor" / "lunr" / "lunr.min.js").read_bytes()

    got = query(node, out, "es", ["programa federal", "subnacional", "participacion"])
    assert ids(got["programa federal"])[0] == "AR0090"
    assert "AR0090" in ids(got["subnacional"])
    got = query(node, out, "en", ["federal program"])
    assert ids(got["federal program"])[0] == "AR0090"


def test_one_overridden_template_and_the_packaged_theme_for_the_rest(installed: Installed, tmp_path: Path) -> None:
    assert installed.run("init", "city", cwd=tmp_path).returncode == 0
    site = tmp_path / "city"
    theme = Path(installed.run("theme-path", cwd=site).stdout.strip())
    assert theme.is_relative_to(installed.venv)
    own = (theme / "commitment.html").read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<p id=ours>ours</p>", 1)
    (site / "templates" / "commitment.html").write_text(own, encoding="utf-8")
    built = installed.run("build", "--date", BUILD_DATE.isoformat(), cwd=site)
    assert built.returncode == 0, built.stdout + built.stderr
    out = site / "site"
    for lang in ("en", "es"):
        assert parse_html(out / lang / "commitments" / "ar0090" / "index.html").find(id="ours") is not None
        event = parse_html(out / lang / "events" / "subnational-meeting-2016" / "index.html")
        assert event.find(id="ours") is None and event.find("main") is not None
    assert (out / "assets" / "site.css").read_bytes() == (theme / "assets" / "site.css").read_bytes()


def test_pip_builds_the_same_wheel_from_the_checkout(installed: Installed, tmp_path: Path) -> None:
    """`pip install .` builds through the same backend, in pip's own isolated environment."""
    if not any(WHEELHOUSE.glob("hatchling-*.whl")):
        pytest.skip(f"hatchling is not in {WHEELHOUSE}")
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-index",
        "--find-links",
        WHEELHOUSE,
        "-w",
        tmp_path,
        ROOT,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("ogpsite-*.whl")
    assert sorted(zipfile.ZipFile(wheel).namelist()) == sorted(zipfile.ZipFile(installed.wheel).namelist())
    assert json.loads(zipfile.ZipFile(wheel).read("ogpsite/vendor/manifest.json"))["snowball"] == "3.0.1"
