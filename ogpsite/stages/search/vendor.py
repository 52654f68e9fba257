"""The browser libraries search needs: lunr.js and lunr.es from node_modules, the Snowball stemmers
from Sphinx, copied to assets/vendor/ and loaded in order by the search page."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ogpsite.errors import Problem

VENDOR_DIR = "assets/vendor"
CORE_SCRIPT = "search-core.js"  # in templates/assets: our pipeline functions and query logic

TOOL_ROOT = Path(__file__).resolve().parents[3]  # the project root (above ogpsite/): where package.json and node_modules live
NODE_MODULES_ENV = "OGPSITE_NODE_MODULES"


@dataclass(frozen=True)
class VendorFile:
    source: str  # package-relative path
    target: str  # path under assets/vendor/
    package: str  # npm package, or "pypi:NAME"


VENDOR_FILES: tuple[VendorFile, ...] = (
    VendorFile("lunr/lunr.min.js", "lunr.min.js", "lunr"),
    VendorFile("lunr/LICENSE", "LICENSE-lunr.txt", "lunr"),
    VendorFile("lunr-languages/min/lunr.stemmer.support.min.js", "lunr.stemmer.support.min.js", "lunr-languages"),
    VendorFile("lunr-languages/min/lunr.es.min.js", "lunr.es.min.js", "lunr-languages"),
    VendorFile("lunr-languages/LICENSE", "LICENSE-lunr-languages.txt", "lunr-languages"),
    VendorFile("sphinx/search/minified-js/base-stemmer.js", "snowball/base-stemmer.js", "pypi:sphinx"),
    VendorFile("sphinx/search/minified-js/english-stemmer.js", "snowball/english-stemmer.js", "pypi:sphinx"),
    VendorFile("sphinx/search/minified-js/spanish-stemmer.js", "snowball/spanish-stemmer.js", "pypi:sphinx"),
    VendorFile("sphinx-{version}.dist-info/licenses/LICENSE.rst", "snowball/LICENSE-sphinx.txt", "pypi:sphinx"),
)

# What the browser loads, in order, per language; "core" is templates/assets/search-core.js.
SCRIPTS: dict[str, tuple[str, ...]] = {
    "en": ("lunr.min.js", "snowball/base-stemmer.js", "snowball/english-stemmer.js", "core"),
    "es": (
        "lunr.min.js",
        "lunr.stemmer.support.min.js",
        "lunr.es.min.js",
        "snowball/base-stemmer.js",
        "snowball/spanish-stemmer.js",
        "core",
    ),
}
DEFAULT_SCRIPTS = ("lunr.min.js", "core")


def node_modules_dirs(project_root: Path) -> list[Path]:
    """Where to look for the npm packages: $OGPSITE_NODE_MODULES alone when set, else the project's
    and then ogpsite's own node_modules/."""
    override = os.environ.get(NODE_MODULES_ENV)
    if override:
        return [Path(override)]
    return list(dict.fromkeys([project_root / "node_modules", TOOL_ROOT / "node_modules"]))


def npm_file(dirs: list[Path], relpath: str) -> Path | None:
    return next((d / relpath for d in dirs if (d / relpath).is_file()), None)


def _pypi_file(package: str, relpath: str) -> Path | None:
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file(relpath.format(version=dist.version))))
    return path if path.is_file() else None


def vendor_files(project_root: Path) -> tuple[dict[str, bytes], list[Problem]]:
    """The browser libraries, read from the installed packages, keyed by their path in the site."""
    dirs = node_modules_dirs(project_root)
    files: dict[str, bytes] = {}
    missing: dict[str, str] = {}
    for vendor in VENDOR_FILES:
        if vendor.package.startswith("pypi:"):
            path = _pypi_file(vendor.package.removeprefix("pypi:"), vendor.source)
        else:
            path = npm_file(dirs, vendor.source)
        if path is None:
            missing.setdefault(vendor.package, vendor.source)
            continue
        files[f"{VENDOR_DIR}/{vendor.target}"] = path.read_bytes()
    problems = []
    for package, source in missing.items():
        if package.startswith("pypi:"):
            name = package.removeprefix("pypi:")
            problems.append(
                Problem(
                    "pyproject.toml",
                    0,
                    f"the Python package '{name}' is not installed, so search cannot be built (it provides {source})",
                    "run `make site`, or `pip install -e .` in ogpsite's folder",
                )
            )
        else:
            where = " or ".join(str(d) for d in dirs)
            problems.append(
                Problem(
                    f"node_modules/{package}",
                    0,
                    f"the npm package '{package}' is not installed (looked for {source} in {where}), so search cannot be built",
                    "run `npm ci` in ogpsite's folder, or `make site`, which installs it",
                )
            )
    return files, problems


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def script_urls(lang: str, vendor: dict[str, bytes], core: bytes) -> list[str]:
    """Script URLs relative to `{lang}/search-docs.json`, versioned by content."""
    urls = []
    for name in SCRIPTS.get(lang, DEFAULT_SCRIPTS):
        if name == "core":
            urls.append(f"../assets/{CORE_SCRIPT}?v={_version(core)}")
        else:
            urls.append(f"../{VENDOR_DIR}/{name}?v={_version(vendor[f'{VENDOR_DIR}/{name}'])}")
    return urls
