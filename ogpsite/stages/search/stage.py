"""The search stage: the index and result store of every language, and the browser libraries."""

from __future__ import annotations

from ogpsite.errors import Problem
from ogpsite.model.site import SiteModel
from ogpsite.settings import overlay_files
from ogpsite.stages.base import StageContext, StageResult
from ogpsite.stages.search.analysis import read_lunr_spanish
from ogpsite.stages.search.index import build_language
from ogpsite.stages.search.vendor import CORE_SCRIPT, node_modules_dirs, npm_file, script_urls, vendor_files


class SearchStage:
    """The lunr index and result store of every language, and the browser libraries."""

    name = "search"

    def run(self, model: SiteModel, context: StageContext) -> StageResult:
        settings = context.settings
        vendor, problems = vendor_files(settings.project_root)
        core_path = overlay_files(settings.template_dirs, "assets").get(CORE_SCRIPT, settings.theme_dir / "assets" / CORE_SCRIPT)
        if not core_path.is_file():
            problems.append(
                Problem(str(core_path), 0, "the search script is missing", f"restore {CORE_SCRIPT} in the templates' assets/ folder")
            )
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
        files = dict(vendor)
        core = core_path.read_bytes()
        for lang in model.languages:
            built = build_language(model, lang, lunr_es, context.cache)
            built.scripts = script_urls(lang, vendor, core)
            files.update(built.site_files())
        return StageResult(files)
