"""Output stage: what the commitments index's filter controls fetch (templates/assets/filters.js).

`filters/commitments.json`, fetched the first time a reader uses a control, is kept small: each
facet's values once, as slugs, and one row per commitment that refers to them by position (names
come from the page's own controls, translated there). The titles the results show are in shards,
`filters/commitment-titles-{lang}-{n}.json` of SHARD_SIZE titles in row order, fetched only for the
rows on screen. Sizes at 10,000 commitments: `python -m benchmarks.filter_size` (the issue's
budget: 100 KB gzipped for the filter data).

    {"facets": {"member": [slug…], "plan": [slug…], "plan_cycle": [year…], "status": […],
                "policy_area": […], "theme": […]},
     "shard_size": 1000,
     "rows": [[id, member, plan, status, [policy areas], [themes]], …]}

A row's plan gives its cycle through `plan_cycle`; an unresolved reference is -1.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from typing import Any

from ogpsite.content import schema
from ogpsite.model.site import Record, SiteModel
from ogpsite.stages.base import StageContext, StageResult

FILTER_DATA_URL = "filters/commitments.json"
SHARD_SIZE = 1000  # titles per shard: the first page of results needs a few shards at most


def title_shard_url(lang: str, number: int) -> str:
    return f"filters/commitment-titles-{lang}-{number}.json"


@dataclass(frozen=True)
class Facets:
    """The values each filter offers, in the order the controls list them."""

    member: list[str]
    plan: list[str]
    plan_cycle: list[int]
    status: list[str]
    policy_area: list[str]
    theme: list[str]


def facets(model: SiteModel) -> Facets:
    plans = sorted(model.action_plans.values(), key=lambda plan: (-plan.data.cycle, plan.slug))
    return Facets(
        member=list(model.members),
        plan=[plan.slug for plan in plans],
        plan_cycle=[plan.data.cycle for plan in plans],
        status=list(typing.get_args(schema.CommitmentStatus)),
        policy_area=list(model.policy_areas),
        theme=[theme.slug for theme in model.records["themes"]],
    )


def _position(values: dict[str, int], named: Any) -> int:
    return values.get(named.slug, -1) if named is not None else -1


def ordered_commitments(model: SiteModel, found: Facets) -> list[Record]:
    """The commitments in the index's order (newest plan first, then ID): rows and title shards share it."""
    plan = {slug: i for i, slug in enumerate(found.plan)}
    return sorted(model.records["commitments"], key=lambda r: (plan.get(r.facts.action_plan, len(plan)), r.facts.id))


def filter_rows(model: SiteModel, found: Facets) -> list[list[Any]]:
    """One compact row per commitment: [id, member, plan, status, [policy areas], [themes]], by position."""
    member = {slug: i for i, slug in enumerate(found.member)}
    plan = {slug: i for i, slug in enumerate(found.plan)}
    status = {slug: i for i, slug in enumerate(found.status)}
    area = {slug: i for i, slug in enumerate(found.policy_area)}
    theme = {slug: i for i, slug in enumerate(found.theme)}
    return [
        [
            record.facts.id,
            _position(member, record.refs.get("member")),
            _position(plan, record.refs.get("action_plan")),
            status[record.facts.status],
            [area[a.slug] for a in record.refs.get("policy_areas", [])],
            [theme[t.slug] for t in record.refs.get("themes", [])],
        ]
        for record in ordered_commitments(model, found)
    ]


def title_shards(model: SiteModel, lang: str, found: Facets) -> list[list[str]]:
    """The commitments' titles in one language, in row order, split in shards of SHARD_SIZE."""
    titles = [record.text(lang).title for record in ordered_commitments(model, found)]
    return [titles[start : start + SHARD_SIZE] for start in range(0, len(titles), SHARD_SIZE)] or [[]]


def filter_data(model: SiteModel) -> bytes:
    found = facets(model)
    data = {
        "facets": {
            "member": found.member,
            "plan": found.plan,
            "plan_cycle": found.plan_cycle,
            "status": found.status,
            "policy_area": found.policy_area,
            "theme": found.theme,
        },
        "shard_size": SHARD_SIZE,
        "rows": filter_rows(model, found),
    }
    return _compact_json(data)


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class FilterDataStage:
    """The commitments index's filter data, one file per language."""

    name = "filters"

    def run(self, model: SiteModel, context: StageContext) -> StageResult:
        found = facets(model)
        files = {FILTER_DATA_URL: filter_data(model)}
        for lang in model.languages:
            for number, shard in enumerate(title_shards(model, lang, found)):
                files[title_shard_url(lang, number)] = _compact_json(shard)
        return StageResult(files)
