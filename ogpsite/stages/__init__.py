"""Output stages: the files beside the rendered pages (see base.py for the interface)."""

from ogpsite.stages.base import Stage, StageContext, StageResult
from ogpsite.stages.feeds import FeedsStage
from ogpsite.stages.filters import FilterDataStage
from ogpsite.stages.icalendar import CalendarStage
from ogpsite.stages.opendata import OpenDataStage
from ogpsite.stages.search import SearchStage
from ogpsite.stages.sitemap import SitemapStage

# What every build runs, in this order (their files must not overlap). Pass another tuple to
# `build(settings, stages=…)` or `Builder(settings, stages=…)` to add, remove or replace one.
DEFAULT_STAGES: tuple[Stage, ...] = (
    FeedsStage(),  # {lang}/stories/feed.xml, {lang}/events/feed.xml
    CalendarStage(),  # {lang}/events/events.ics and one per event
    OpenDataStage(),  # data/: JSON, CSV, datapackage.json
    SitemapStage(),  # sitemap.xml, robots.txt
    SearchStage(0, 2),  # {lang}/search-index.json, its shards and result texts, assets/vendor/: 1st language
    SearchStage(1, 2),  # the same for the 2nd language ("search-2"), in parallel with the 1st
    FilterDataStage(),  # filters/: what the commitments index's filters fetch when first used
)

__all__ = ["DEFAULT_STAGES", "Stage", "StageContext", "StageResult"]
