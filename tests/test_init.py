"""`ogpsite init` makes a site that builds at once, and a site's own templates/ overrides the
default theme file by file (templates, assets); `build --strict`, `--version`, exit statuses."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

import ogpsite
from ogpsite.commands.init import SKELETON
from ogpsite.settings import default_theme_dir, overlay_files, template_chain

from .conftest import BUILD_DATE, ROOT, parse_html, run_cli


@pytest.fixture
def new_site(tmp_path: Path) -> Path:
    result = run_cli("init", "mysite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Created a site in mysite/" in result.stdout
    return tmp_path / "mysite"


def build_here(site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("build", "--date", BUILD_DATE.isoformat(), *extra, cwd=site)


def test_init_writes_a_site_that_builds_strictly_in_both_languages(new_site: Path) -> None:
    files = {p.relative_to(new_site).as_posix() for p in new_site.rglob("*") if p.is_file()}
    for kind in ("commitments", "themes", "events", "stories"):
        folders = {f.split("/")[2] for f in files if f.startswith(f"content/{kind}/")}
        assert len(folders) == 1, kind
        (folder,) = folders
        assert {f"content/{kind}/{folder}/{name}" for name in ("facts.yaml", "en.md", "es.md")} <= files
    assert {"README.md", ".gitignore", "content/site.yaml", "templates/README.md"} <= files
    assert not (new_site / "templates" / "base.html").exists()  # the theme comes from the package

    result = build_here(new_site, "--strict")
    assert result.returncode == 0, result.stderr
    site = new_site / "site"
    for lang, heading in (("en", "Federal Program on Open Government"), ("es", "Programa Federal de Gobierno Abierto")):
        page = parse_html(site / lang / "commitments" / "ar0090" / "index.html")
        assert page.html["lang"] == lang and heading in page.h1.get_text()  # type: ignore[index,union-attr]
        assert (site / lang / "search-index.json").is_file() and (site / lang / "themes" / "subnational" / "index.html").is_file()
    assert (site / "assets" / "site.css").read_bytes() == (default_theme_dir() / "assets" / "site.css").read_bytes()
    assert (site / "assets" / "vendor" / "lunr.min.js").is_file()
    check = run_cli("check", "--strict", cwd=new_site)
    assert check.returncode == 0, check.stdout + check.stderr


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep", encoding="utf-8")
    result = run_cli("init", "mine", cwd=tmp_path)
    assert result.returncode == 3
    assert "not empty" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_a_site_overrides_one_template_and_one_asset(new_site: Path) -> None:
    theme = default_theme_dir()
    own = (
        theme.joinpath("commitment.html").read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<p id=mine>ours</p>", 1)
    )
    assert "id=mine" in own
    (new_site / "templates" / "commitment.html").write_text(own, encoding="utf-8")
    (new_site / "templates" / "assets").mkdir()
    (new_site / "templates" / "assets" / "site.css").write_text("body { color: teal; }\n", encoding="utf-8")

    result = build_here(new_site)
    assert result.returncode == 0, result.stderr
    site = new_site / "site"
    commitment = parse_html(site / "es" / "commitments" / "ar0090" / "index.html")
    assert commitment.find(id="mine") is not None
    theme_page = parse_html(site / "es" / "themes" / "subnational" / "index.html")
    assert theme_page.find(id="mine") is None and theme_page.h1 is not None  # the theme's theme.html
    assert (site / "assets" / "site.css").read_text(encoding="utf-8") == "body { color: teal; }\n"
    assert (site / "assets" / "search.js").read_bytes() == (theme / "assets" / "search.js").read_bytes()
    link = theme_page.find("link", rel="stylesheet", href=re.compile("site.css"))
    assert link is not None and "?v=" in link["href"]  # versioned by the site's own file

    (new_site / "templates" / "commitment.html").unlink()  # back to the theme's, incrementally
    again = build_here(new_site)
    assert again.returncode == 0, again.stderr
    assert parse_html(site / "es" / "commitments" / "ar0090" / "index.html").find(id="mine") is None


def test_strict_build_fails_on_an_outdated_translation_and_keeps_the_site(new_site: Path) -> None:
    assert build_here(new_site).returncode == 0
    before = (new_site / "site" / "en" / "commitments" / "ar0090" / "index.html").read_bytes()
    english = new_site / "content" / "commitments" / "ar0090" / "en.md"
    english.write_text(english.read_text(encoding="utf-8").replace("Training and a national call", "Courses and a call"), encoding="utf-8")

    strict = build_here(new_site, "--strict")
    assert strict.returncode == 1
    assert "content/commitments/ar0090/es.md: the es translation is outdated" in strict.stderr
    assert "--strict" in strict.stderr
    assert (new_site / "site" / "en" / "commitments" / "ar0090" / "index.html").read_bytes() == before
    assert build_here(new_site).returncode == 0  # a warning only, without --strict
    assert build_here(new_site, "--strict").returncode == 1  # also when nothing changed since


def test_version_has_one_source() -> None:
    result = run_cli("--version", cwd=ROOT)
    assert result.returncode == 0 and result.stdout.strip() == f"ogpsite, version {ogpsite.__version__}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "ogpsite/__init__.py"
    assert f"## {ogpsite.__version__}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_chain_puts_the_site_first_and_the_theme_once(tmp_path: Path) -> None:
    theme, site = tmp_path / "theme", tmp_path / "site"
    for folder, css in ((theme, "theme"), (site, "site")):
        (folder / "assets").mkdir(parents=True)
        (folder / "assets" / "site.css").write_text(css, encoding="utf-8")
    (theme / "assets" / "search.js").write_text("js", encoding="utf-8")
    assert template_chain(site, theme) == (site, theme)
    assert template_chain(theme, theme) == (theme,)
    assert template_chain(tmp_path / "missing", theme) == (theme,)
    assets = overlay_files((site, theme), "assets")
    assert assets == {"search.js": theme / "assets" / "search.js", "site.css": site / "assets" / "site.css"}


def test_skeleton_is_packaged_and_the_theme_is_the_repositorys_templates() -> None:
    assert SKELETON.is_relative_to(ROOT / "ogpsite")
    assert default_theme_dir() == ROOT / "templates"  # in a checkout; the wheel carries it as ogpsite/theme
