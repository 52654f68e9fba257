"""Every internal href/src of a built site resolves, anchors included: `ogpsite check --links`
on real builds (at the root and under a sub-path), and the checker catching what it must."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ogpsite.commands.linkcheck import LinkChecker, check_links

from .conftest import ROOT, build_args, run_cli


def check_cli(site: Path, *extra: str) -> tuple[int, str]:
    result = run_cli("check", "--links", "--output", str(site), *extra, cwd=ROOT)
    return result.returncode, result.stdout + result.stderr


def test_sample_site_has_no_broken_links(sample_site: Path) -> None:
    code, output = check_cli(sample_site)
    assert code == 0, output
    assert "no problems" in output
    report = check_links(sample_site)
    assert report.pages > 200 and report.links > 5000, "the checker really walked the site"


@pytest.mark.parametrize("base_url", ["/ogp/", "https://example.org/ogp/"])
def test_sub_path_build_has_no_broken_links(tmp_path: Path, base_url: str) -> None:
    site = tmp_path / "site"
    built = run_cli(*build_args("--content", str(ROOT / "content"), "--output", str(site), "--base-url", base_url), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    checker = LinkChecker(site)
    assert checker.base_path == "/ogp/", "the base is read from the built site"
    code, output = check_cli(site)
    assert code == 0, output


def small_site(root: Path, pages: dict[str, str], canonical: str = "https://example.org/ogp/") -> Path:
    for name, body in {"index.html": "", **pages}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        head = f'<link rel="canonical" href="{canonical}">' if name == "index.html" else ""
        path.write_text(f"<!doctype html><html><head>{head}</head><body>\n{body}\n</body></html>", encoding="utf-8")
    return root


def messages(site: Path) -> list[str]:
    return [p.format() for p in check_links(site, project_root=site).problems]


def test_links_that_resolve_pass(tmp_path: Path) -> None:
    site = small_site(
        tmp_path,
        {
            "en/index.html": '<h2 id="here">x</h2><a href="#here">a</a><a href="../">root</a><a href="/ogp/en/#here">abs</a>'
            '<a href="https://example.org/ogp/en/">full</a><a href="https://elsewhere.org/x">external</a>'
            '<a href="mailto:a@b.org">mail</a><a href="#">top</a><a href="#top">top</a>'
            '<img src="../a.svg?v=1" alt=""><a href="page/">page</a><a href="page">page without slash</a>'
            '<a href="data.json#anything">data</a>',
            "en/page/index.html": '<a name="old-style">x</a><a href="../#here">back</a><a href="#old-style">old</a>',
        },
    )
    (site / "a.svg").write_text("<svg/>", encoding="utf-8")
    (site / "en" / "data.json").write_text("{}", encoding="utf-8")
    assert messages(site) == []


def test_broken_links_are_reported_with_file_and_line(tmp_path: Path) -> None:
    site = small_site(
        tmp_path,
        {
            "en/index.html": '<a href="missing/">gone</a>\n<a href="#nowhere">anchor</a>\n<a href="/elsewhere/x/">outside</a>',
            "en/b.html": '<img src="../pic.png" alt="">\n\n<a href="index.html#gone">anchor on another page</a>'
            '<link rel="stylesheet" href="https://example.org/ogp/assets/none.css">',
        },
    )
    found = messages(site)
    assert any(m.startswith("en/index.html:2:") and "missing/" in m and "does not resolve" in m for m in found), found
    assert any(m.startswith("en/index.html:3:") and "#nowhere" in m for m in found), found
    assert any(m.startswith("en/index.html:4:") and "outside the site" in m for m in found), found
    assert any(m.startswith("en/b.html:2:") and "pic.png" in m for m in found), found
    assert any(m.startswith("en/b.html:4:") and "#gone" in m for m in found), found
    assert any(m.startswith("en/b.html:4:") and "none.css" in m for m in found), found
    assert len(found) == 6


def test_cli_fails_on_a_broken_link_in_a_real_build(tmp_path: Path, sample_site: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(sample_site, site)
    page = site / "en" / "commitments" / "ar0090" / "index.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace('href="#main"', 'href="#mian"', 1), encoding="utf-8")
    (site / "en" / "themes" / "civic-tech" / "index.html").unlink()
    code, output = check_cli(site)
    assert code == 1
    assert "commitments/ar0090/index.html" in output and "#mian" in output
    assert "/en/themes/civic-tech/" in output


def test_cli_says_when_there_is_no_built_site(tmp_path: Path) -> None:
    code, output = check_cli(tmp_path / "nothing")
    assert code == 1
    assert "no built site here" in output
