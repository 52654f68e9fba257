"""The browser libraries vendored in ogpsite/vendor/ are what manifest.json says they are: every
file listed with its sha256, from the versions package-lock.json and pyproject.toml pin, and, where
`npm ci` installed node_modules/, byte for byte the npm packages' files."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path

import pytest

from ogpsite.stages import search

from .conftest import ROOT

MANIFEST = json.loads((search.VENDORED / "manifest.json").read_text(encoding="utf-8"))


def vendored_files() -> set[str]:
    return {f.relative_to(search.VENDORED).as_posix() for f in search.VENDORED.rglob("*") if f.is_file()} - {"manifest.json"}


def test_every_vendored_file_is_in_the_manifest_with_its_sha256() -> None:
    assert set(MANIFEST["files"]) == vendored_files()
    for name, entry in MANIFEST["files"].items():
        assert hashlib.sha256((search.VENDORED / name).read_bytes()).hexdigest() == entry["sha256"], name
        assert entry["package"] in MANIFEST["packages"], name


def test_the_build_reads_only_vendored_files_each_with_a_licence() -> None:
    sources = {vendor.source for vendor in search.VENDOR_FILES}
    assert sources <= set(MANIFEST["files"])
    for package in {vendor.package for vendor in search.VENDOR_FILES}:
        licences = [v for v in search.VENDOR_FILES if v.package == package and re.search(r"LICENSE|COPYING", v.source)]
        assert licences, f"{package}: no licence copied into the site"


def test_versions_are_the_pinned_ones() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    for name in ("lunr", "lunr-languages"):
        entry = MANIFEST["packages"][name]
        assert entry["registry"] == "npm"
        locked = lock[f"node_modules/{name}"]
        assert (entry["version"], entry["integrity"]) == (locked["version"], locked["integrity"])
    assert MANIFEST["packages"]["lunr"]["version"] == "2.3.9"
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert f"snowballstemmer=={MANIFEST['snowball']}" in pins  # the browser stems with the Snowball Python does
    assert MANIFEST["packages"]["snowballstemmer"]["version"] == MANIFEST["snowball"] == "3.0.1"
    assert MANIFEST["packages"]["sphinx"]["registry"] == "pypi"
    assert not any(pin.startswith("sphinx") for pin in pins)  # only vendored from, never needed to build


@pytest.mark.skipif(not (ROOT / "node_modules" / "lunr").is_dir(), reason="node_modules/ is not installed (npm ci)")
def test_vendored_npm_files_equal_the_installed_npm_packages() -> None:
    npm = {name: entry for name, entry in MANIFEST["files"].items() if MANIFEST["packages"][entry["package"]]["registry"] == "npm"}
    assert len(npm) >= 5
    for name, entry in npm.items():
        installed = ROOT / "node_modules" / entry["package"] / entry["source"]
        assert installed.read_bytes() == (search.VENDORED / name).read_bytes(), name
        version = json.loads((ROOT / "node_modules" / entry["package"] / "package.json").read_text())["version"]
        assert version == MANIFEST["packages"][entry["package"]]["version"]


def test_lunr_es_is_read_from_the_vendored_copy() -> None:
    lunr_es = search.read_lunr_spanish(search.VENDORED / "lunr-languages" / "lunr.es.js")
    assert lunr_es is not None and "que" in lunr_es.stop_words
    assert search.npm_file(search.node_modules_dirs(Path("/nowhere")), "lunr-languages/lunr.es.js") == (
        search.VENDORED / "lunr-languages" / "lunr.es.js"
    )
