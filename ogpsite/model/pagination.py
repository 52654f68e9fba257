"""Listings split into pages of a sensible size.

Page 1 of a listing keeps its URL (`en/commitments/`); page n is `en/commitments/page/n/`, and
the same for a theme (`en/themes/open-state/page/2/`), the stories and the past events. Both
languages paginate identically, so the language switcher lands on the same page number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ogpsite.model.site import Named, Record, SiteModel
from ogpsite.model.urls import section_url

# Items per page: a commitment line is ~250 bytes of HTML, a story or event with its summary ~600.
PER_PAGE = {
    "commitments.html": 100,
    "theme.html": 100,
    "stories.html": 40,
    "events.html": 40,
    "member.html": 100,
    "action-plan.html": 100,
    "policy-area.html": 100,
}
# Listings whose pages show their commitments under a heading per action plan.
GROUPED_BY_PLAN = frozenset({"commitments.html", "member.html"})


def page_url(first_url: str, number: int) -> str:
    """The URL of page `number` of the listing whose first page is `first_url`."""
    return first_url if number <= 1 else f"{first_url}page/{number}/"


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def plan_order(model: SiteModel) -> list[Named]:
    """Action plans newest cycle first (stable for equal cycles), those with commitments only."""
    plans = sorted(model.action_plans.values(), key=lambda plan: plan.data.cycle, reverse=True)
    return [plan for plan in plans if model.plan_commitments.get(plan.slug)]


def upcoming_events(model: SiteModel, today: dt.date) -> list[Record]:
    """An event stays upcoming until its last day has passed; soonest first."""
    return [e for e in model.records["events"] if (e.facts.end or e.facts.start) >= today]


def past_events(model: SiteModel, today: dt.date) -> list[Record]:
    """Most recent first."""
    return [e for e in reversed(model.records["events"]) if (e.facts.end or e.facts.start) < today]


@dataclass(frozen=True)
class PlanGroup:
    """The commitments of one action plan that fall on a page of the commitments listing."""

    plan: Named
    records: list[Record]
    total: int  # commitments of the plan on all pages
    continued: bool  # the plan started on an earlier page


@dataclass(frozen=True)
class Pagination:
    number: int
    count: int  # number of pages
    total: int  # items on all pages
    offset: int  # index of this page's first item among all items
    items: list[Record]
    first_url: str
    groups: list[PlanGroup] = field(default_factory=list)  # commitments listing only

    def url(self, number: int) -> str:
        return page_url(self.first_url, number)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to offer: first, last and a few around the current one; None is a gap."""
        shown = sorted({1, self.count, *range(max(1, self.number - around), min(self.count, self.number + around) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


class Listings:
    """The paginated listings of one model (and build date), computed once per build."""

    def __init__(self, model: SiteModel, today: dt.date):
        self.model = model
        self.today = today
        self._items: dict[tuple[str, str | None], list[Record]] = {}

    def items(self, template: str, slug: str | None = None) -> list[Record] | None:
        """The records a paginated listing pages through, or None for a page that is not one."""
        if template not in PER_PAGE:
            return None
        key = (template, slug)
        if key not in self._items:
            model = self.model
            if template == "commitments.html":
                found = [record for plan in plan_order(model) for record in model.plan_commitments[plan.slug]]
            elif template == "theme.html":
                found = model.theme_members.get(slug or "", {}).get("commitments", [])
            elif template == "stories.html":
                found = model.records["stories"]
            elif template == "member.html":
                found = model.member_commitments.get(slug or "", [])
            elif template == "action-plan.html":
                found = model.plan_commitments.get(slug or "", [])
            elif template == "policy-area.html":
                found = model.area_commitments.get(slug or "", [])
            else:
                found = past_events(model, self.today)
            self._items[key] = found
        return self._items[key]

    def count(self, template: str, slug: str | None = None) -> int:
        items = self.items(template, slug)
        return 1 if items is None else page_count(len(items), PER_PAGE[template])

    def paginate(self, template: str, slug: str | None, first_url: str, number: int) -> Pagination | None:
        items = self.items(template, slug)
        if items is None:
            return None
        per_page = PER_PAGE[template]
        offset = (number - 1) * per_page
        chunk = items[offset : offset + per_page]
        groups: list[PlanGroup] = []
        if template in GROUPED_BY_PLAN:
            for record in chunk:
                plan = record.refs["action_plan"]
                if groups and groups[-1].plan is plan:
                    groups[-1].records.append(record)
                else:
                    first = self.model.plan_commitments[plan.slug][0]
                    groups.append(PlanGroup(plan, [record], len(self.model.plan_commitments[plan.slug]), first is not record))
        return Pagination(number, page_count(len(items), per_page), len(items), offset, chunk, first_url, groups)

    def plan_listing_urls(self, lang: str) -> dict[str, str]:
        """For each action plan: the commitments listing page (URL and anchor) where it starts."""
        first_url = section_url("commitments", lang)
        per_page = PER_PAGE["commitments.html"]
        out: dict[str, str] = {}
        position = 0
        for plan in plan_order(self.model):
            out[plan.slug] = f"{page_url(first_url, position // per_page + 1)}#plan-{plan.slug}"
            position += len(self.model.plan_commitments[plan.slug])
        return out
