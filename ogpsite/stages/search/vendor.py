"""The browser libraries search needs: lunr.js, lunr.es and the Snowball stemmers, vendored in
ogpsite/vendor/ (with their licences and manifest.json: origin, version, sha256; `make vendor`
refreshes them), copied to assets/vendor/ and loaded in order by the search page. Building needs
neither Node nor npm."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import rjsmin

from ogpsite.errors import Problem
from ogpsite.settings import PACKAGE_DIR, overlay_files
from ogpsite.stages.search.analysis import LunrSpanish, read_lunr_spanish

VENDOR_DIR = "assets/vendor"
CORE_SCRIPT = "search-core.js"  # in templates/assets: our pipeline functions and query logic
WORKER_SCRIPT = "search-worker.js"  # in templates/assets: the Worker's message loop, last in the bundle
BUNDLE_DIR = "assets/search"  # one Worker script per language, named by its content

VENDORED = PACKAGE_DIR / "vendor"  # laid out as node_modules is, plus snowball/
NODE_MODULES_ENV = "OGPSITE_NODE_MODULES"  # a folder laid out like ogpsite/vendor/ to read instead (other versions)


@dataclass(frozen=True)
class VendorFile:
    source: str  # path under ogpsite/vendor/
    target: str  # path under assets/vendor/
    package: str  # where it comes from (ogpsite/vendor/manifest.json)


VENDOR_FILES: tuple[VendorFile, ...] = (
    VendorFile("lunr/lunr.min.js", "lunr.min.js", "lunr"),
    VendorFile("lunr/LICENSE", "LICENSE-lunr.txt", "lunr"),
    VendorFile("lunr-languages/min/lunr.stemmer.support.min.js", "lunr.stemmer.support.min.js", "lunr-languages"),
    VendorFile("lunr-languages/min/lunr.es.min.js", "lunr.es.min.js", "lunr-languages"),
    VendorFile("lunr-languages/LICENSE", "LICENSE-lunr-languages.txt", "lunr-languages"),
    VendorFile("snowball/base-stemmer.js", "snowball/base-stemmer.js", "sphinx"),
    VendorFile("snowball/english-stemmer.js", "snowball/english-stemmer.js", "sphinx"),
    VendorFile("snowball/spanish-stemmer.js", "snowball/spanish-stemmer.js", "sphinx"),
    VendorFile("snowball/LICENSE-sphinx.rst", "snowball/LICENSE-sphinx.txt", "sphinx"),
    VendorFile("snowball/COPYING-snowball", "snowball/COPYING-snowball.txt", "snowballstemmer"),
)

# Made from lunr.es.js rather than copied: its word characters and stop words, as a script that
# sets `OgpLunrEs`, from which search-core.js registers lunr.es's trimmer and stop-word filter
# under lunr.es's labels (`trimmer-es`, `stopWordFilter-es`). Those two are all the Spanish index's
# pipeline uses of lunr.es: lunr.es.min.js and lunr.stemmer.support.min.js, 17 KB mostly of
# lunr.es's own (unused) stemmer, are not loaded. Read as the build's own analysis reads them
# (analysis.read_lunr_spanish), so the browser and the index use the very same lists.
LUNR_ES_WORDS = "lunr.es.words.js"

# What the browser loads, in order, per language; "core" is templates/assets/search-core.js.
SCRIPTS: dict[str, tuple[str, ...]] = {
    "en": ("lunr.min.js", "snowball/base-stemmer.js", "snowball/english-stemmer.js", "core"),
    "es": ("lunr.min.js", LUNR_ES_WORDS, "snowball/base-stemmer.js", "snowball/spanish-stemmer.js", "core"),
}
DEFAULT_SCRIPTS = ("lunr.min.js", "core")


def node_modules_dirs(project_root: Path) -> list[Path]:
    """Where the browser libraries are read from: $OGPSITE_NODE_MODULES alone when set, else the copy
    vendored in ogpsite/vendor/ (the same for every project, so `project_root` is not used)."""
    override = os.environ.get(NODE_MODULES_ENV)
    return [Path(override)] if override else [VENDORED]


def npm_file(dirs: list[Path], relpath: str) -> Path | None:
    return next((d / relpath for d in dirs if (d / relpath).is_file()), None)


def vendor_files(project_root: Path) -> tuple[dict[str, bytes], list[Problem]]:
    """The browser libraries, read from the vendored copy, keyed by their path in the site."""
    dirs = node_modules_dirs(project_root)
    files: dict[str, bytes] = {}
    missing: dict[str, str] = {}
    for vendor in VENDOR_FILES:
        path = npm_file(dirs, vendor.source)
        if path is None:
            missing.setdefault(vendor.package, vendor.source)
            continue
        files[f"{VENDOR_DIR}/{vendor.target}"] = path.read_bytes()
    lunr_es_js = npm_file(dirs, "lunr-languages/lunr.es.js")
    spanish = read_lunr_spanish(lunr_es_js) if lunr_es_js else None
    if spanish is not None:  # else the search stage reports that lunr.es.js could not be read
        files[f"{VENDOR_DIR}/{LUNR_ES_WORDS}"] = lunr_es_words(spanish)
    problems = [
        Problem(
            str(dirs[0] / source),
            0,
            f"the browser library '{package}' is missing (looked for {source} in {' or '.join(str(d) for d in dirs)}),"
            " so search cannot be built",
            "reinstall ogpsite (`pip install --force-reinstall ogpsite`), or in its source folder restore ogpsite/vendor/"
            " with `git checkout ogpsite/vendor` or `make vendor`",
        )
        for package, source in missing.items()
    ]
    return files, problems


def lunr_es_words(spanish: LunrSpanish) -> bytes:
    """The script that hands search-core.js lunr.es's word characters (a character class body, as
    lunr.es writes it) and stop words (sorted)."""
    words = {"wordCharacters": spanish.word_characters, "stopWords": sorted(spanish.stop_words)}
    return (
        "/* lunr.es's word characters and stop words (lunr-languages, MPL-2.0: LICENSE-lunr-languages.txt),"
        " read from lunr.es.js by ogpsite; search-core.js registers lunr.es's trimmer and stop-word filter"
        " from them. */\nvar OgpLunrEs = " + json.dumps(words, separators=(",", ":")) + ";\n"
    ).encode("utf-8")


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def script_urls(lang: str, vendor: dict[str, bytes], core: bytes) -> list[str]:
    """Script URLs relative to the language folder (where its manifest is), versioned by content."""
    urls = []
    for name in SCRIPTS.get(lang, DEFAULT_SCRIPTS):
        if name == "core":
            urls.append(f"../assets/{CORE_SCRIPT}?v={_version(core)}")
        else:
            urls.append(f"../{VENDOR_DIR}/{name}?v={_version(vendor[f'{VENDOR_DIR}/{name}'])}")
    return urls


@dataclass(frozen=True)
class WorkerBundle:
    path: str  # under the site's root: assets/search/{lang}-<hash>.js
    data: bytes

    def url(self) -> str:
        """Its URL relative to the language folder, where the manifest that names it is."""
        return f"../{self.path}"


def minified(script: bytes) -> bytes:
    """One of our own scripts without its comments and indentation (rjsmin), for the Worker bundle:
    search-core.js and search-worker.js are written to be read, and half their bytes are comments a
    reader's browser has no use for. `/*! … */` comments stay. The files as written stay in assets/,
    and Node's tests run those; the browser tests run the bundle."""
    return rjsmin.jsmin(script.decode("utf-8"), keep_bang_comments=True).encode("utf-8")


def worker_bundle(lang: str, vendor: dict[str, bytes], core: bytes, worker: bytes) -> WorkerBundle:
    """The search Worker of one language as one script: the language's libraries and search-core.js
    (`SCRIPTS`, in order) then search-worker.js, so that starting the Worker is one request instead
    of a script that then fetches five or six. The libraries are the files as they are (the licences
    stay beside them in assets/vendor/), our two scripts `minified`; each part is separated from the
    next by `;` and a line, so no part can run into the next."""
    parts = [b"/* The ogpsite search Worker (" + lang.encode() + b"): " + b", ".join(_bundled(lang)) + b". Licences: assets/vendor/. */\n"]
    for name in SCRIPTS.get(lang, DEFAULT_SCRIPTS):
        parts.append(minified(core) if name == "core" else vendor[f"{VENDOR_DIR}/{name}"])
        parts.append(b"\n;\n")
    parts.append(minified(worker))
    data = b"".join(parts)
    return WorkerBundle(f"{BUNDLE_DIR}/{lang}-{hashlib.sha256(data).hexdigest()[:12]}.js", data)


def _bundled(lang: str) -> list[bytes]:
    names = [CORE_SCRIPT if name == "core" else name for name in SCRIPTS.get(lang, DEFAULT_SCRIPTS)]
    return [name.encode() for name in [*names, WORKER_SCRIPT]]


def worker_paths(project_root: Path, template_dirs: tuple[Path, ...], languages: list[str]) -> tuple[tuple[str, str], ...]:
    """Each language's search Worker script path, as the search stage names it (worker_bundle), for
    the search page to start it before the manifest is in; none when a part is missing (the search
    stage reports that)."""
    vendor, problems = vendor_files(project_root)
    assets = overlay_files(template_dirs, "assets")
    if problems or CORE_SCRIPT not in assets or WORKER_SCRIPT not in assets:
        return ()
    core, worker = assets[CORE_SCRIPT].read_bytes(), assets[WORKER_SCRIPT].read_bytes()
    return tuple((lang, worker_bundle(lang, vendor, core, worker).path) for lang in languages)
