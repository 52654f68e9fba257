"""The search stage: the index and result store of every language, and the browser libraries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from ogpsite.errors import Problem
from ogpsite.model.site import SiteModel
from ogpsite.settings import overlay_files
from ogpsite.stages.base import StageContext, StageResult
from ogpsite.stages.search.analysis import analyzer_for, read_lunr_spanish
from ogpsite.stages.search.documents import SearchDocument, SearchDocuments
from ogpsite.stages.search.index import INDEX_FILE, LANGUAGE_FILES, LanguageFiles, LanguageIndex, build_language, document_digests
from ogpsite.stages.search.shards import with_worker
from ogpsite.stages.search.vendor import (
    CORE_SCRIPT,
    WORKER_SCRIPT,
    node_modules_dirs,
    npm_file,
    script_urls,
    vendor_files,
    worker_bundle,
)


def language_key(lang: str, signature: str, digests: bytes, scripts: Iterable[bytes]) -> tuple[str, str, str]:
    """What one language's search files are made from: its documents (every field of each, in
    order: their `document_digest`s), the analysis (`Analyzer.signature`) and the browser scripts
    bundled with it. Equal keys, equal files: an edit that leaves a language's documents as they were
    (an English text edited, for the Spanish index) leaves that language's files as they were,
    without indexing it again."""
    h = hashlib.sha256(digests)
    for script in scripts:
        h.update(hashlib.sha256(script).digest())
    return (lang, signature, h.hexdigest())


def language_files(built: LanguageIndex, vendor: dict[str, bytes], core: bytes, worker: bytes) -> dict[str, bytes]:
    """What the site gets for one language's search: its manifest, shards and result texts, and its
    Worker script (one file: the libraries, search-core.js and search-worker.js), which the manifest
    names so that the search page starts it as soon as the manifest is in."""
    built.scripts = script_urls(built.lang, vendor, core)
    bundle = worker_bundle(built.lang, vendor, core, worker)
    files = built.site_files()
    manifest = f"{built.lang}/{INDEX_FILE}"
    files[manifest] = with_worker(files[manifest], bundle.url())
    files[bundle.path] = bundle.data
    return files


def kept_files(built: LanguageIndex, vendor: dict[str, bytes], core: bytes, worker: bytes) -> LanguageFiles:
    """`language_files`, with what the next build patches them from."""
    return LanguageFiles(language_files(built, vendor, core, worker), built.built, built.digests)


class SearchStage:
    """The lunr index and result store of every language, and the browser libraries.

    `SearchStage(part, parts)` indexes only every `parts`-th language from the `part`-th (the
    first part also copies the libraries): DEFAULT_STAGES has two, so the two languages of a site
    are indexed at once, on two cores, and an edit waits for the longer one, not for both."""

    def __init__(self, part: int = 0, parts: int = 1):
        if not 0 <= part < parts:
            raise ValueError(f"part {part} of {parts}: the part is counted from 0 and must be below the number of parts")
        self.part, self.parts = part, parts
        self.name = "search" if part == 0 else f"search-{part + 1}"

    def languages(self, model: SiteModel) -> list[str]:
        """The languages this part indexes."""
        return list(model.languages[self.part :: self.parts])

    def run(self, model: SiteModel, context: StageContext) -> StageResult:
        settings = context.settings
        vendor, problems = vendor_files(settings.project_root)
        assets = overlay_files(settings.template_dirs, "assets")
        paths = {name: assets.get(name, settings.theme_dir / "assets" / name) for name in (CORE_SCRIPT, WORKER_SCRIPT)}
        for name, path in paths.items():
            if not path.is_file():
                problems.append(Problem(str(path), 0, "the search script is missing", f"restore {name} in the templates' assets/ folder"))
        if problems:
            return StageResult({}, problems)
        dirs = node_modules_dirs(settings.project_root)
        lunr_es_js = npm_file(dirs, "lunr-languages/lunr.es.js")
        lunr_es = read_lunr_spanish(lunr_es_js) if lunr_es_js else None
        if lunr_es is None:
            return StageResult(
                {},
                [
                    Problem(
                        str(lunr_es_js or dirs[0] / "lunr-languages/lunr.es.js"),
                        0,
                        "could not read the Spanish word characters and stop words from lunr.es.js",
                        "reinstall ogpsite (`pip install --force-reinstall ogpsite`), or in its source folder restore"
                        " ogpsite/vendor/ with `git checkout ogpsite/vendor` or `make vendor`",
                    )
                ],
            )
        files = dict(vendor) if self.part == 0 else {}
        core, worker = paths[CORE_SCRIPT].read_bytes(), paths[WORKER_SCRIPT].read_bytes()
        scripts = [data for _, data in sorted(vendor.items())] + [core, worker]
        for lang in self.languages(model):
            # Made only as asked for: after an edit, the changed records' documents (document_digests).
            documents = SearchDocuments(model, lang)
            digests = document_digests(documents, context.cache)
            key = language_key(lang, analyzer_for(lang, lunr_es).signature, digests, scripts)

            def make(lang: str = lang, documents: Sequence[SearchDocument] = documents, digests: bytes = digests) -> LanguageFiles:
                built = build_language(model, lang, lunr_es, context.cache, documents, digests)
                return kept_files(built, vendor, core, worker)

            files.update(context.cache.memo(LANGUAGE_FILES, key, make).files)
        return StageResult(files)
