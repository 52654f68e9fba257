"""The model's entities by name, and the digests of reads against them (see reads.py).

`ModelIndex` names every object of one model by what it is (`rec:commitments/ar0090`,
`named:members/argentina`…), knows which input owns it (a record folder, the supporting files, or
the structure over all records) and hashes what a read of (key, attribute) returns. After an
edit, `changed_reads` re-computes the digests the last build's pages recorded and returns those
that differ: only reads owned by edited records need computing again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel

from ogpsite.model.site import Named, Record, SiteModel

# Entity kinds
DATACLASS, PYDANTIC, MAPPING = 0, 1, 2

# Owners: which input an entity's data comes from (a record's "section/slug", or one of these)
GLOBAL = ""  # site.yaml and the supporting files: members, institutions, policy areas, plans
STRUCTURE = "#"  # indexes over all records (lists, counts), context values: always re-checked

MISSING = "∅"  # digest of a read whose key or attribute no longer exists
UNIVERSE = "#universe"  # pseudo-key for a read of everything (its digest covers every input)
SCALARS = frozenset({str, Markup, int, float, bool, type(None), dt.date, dt.datetime})
_FIELDS: dict[type, tuple[str, ...]] = {}


def record_owner(section: str, slug: str) -> str:
    return f"{section}/{slug}"


class ModelIndex:
    """Names every entity of one model and computes (and memoises) read digests against it."""

    def __init__(self, model: SiteModel, pseudo: Mapping[str, Mapping[str, Any]] | None = None, universe: str = ""):
        self.model = model
        self.universe = universe  # digest of all inputs, for reads of UNIVERSE
        self.keys: dict[int, tuple[str, int]] = {}
        self.objects: dict[str, tuple[Any, int]] = {}
        self.owners: dict[str, str] = {}
        self.dicts: dict[int, bool] = {}  # a record's dicts (refs, texts…): whether values need proxies
        self._digests: dict[tuple[str, str], str] = {}
        self._add("site", model, DATACLASS, GLOBAL)
        self._add("site.site", model.site, PYDANTIC, GLOBAL)
        for table in ("members", "institutions", "policy_areas", "action_plans"):
            named: dict[str, Named] = getattr(model, table)
            self._add(f"site.{table}", named, MAPPING, GLOBAL)
            for slug, item in named.items():
                self._add(f"named:{table}/{slug}", item, DATACLASS, GLOBAL)
                if isinstance(item.data, BaseModel):
                    self._add(f"named.data:{table}/{slug}", item.data, PYDANTIC, GLOBAL)
        for name in model.INDEXES:
            self._add(f"site.{name}", getattr(model, name), MAPPING, STRUCTURE)
        for slug, lists in model.theme_members.items():
            self._add(f"site.theme_members/{slug}", lists, MAPPING, STRUCTURE)
        for records in model.records.values():
            for record in records:
                self.add_record(record)
        for key, values in (pseudo or {}).items():
            self._add(key, values, MAPPING, STRUCTURE)

    def _add(self, key: str, obj: Any, kind: int, owner: str) -> None:
        self.keys[id(obj)] = (key, kind)
        self.objects[key] = (obj, kind)
        self.owners[key] = owner

    def add_entity(self, key: str, obj: Any) -> None:
        """Another object pages read attribute by attribute (a dataclass), re-checked every build."""
        self._add(key, obj, PYDANTIC if isinstance(obj, BaseModel) else DATACLASS, STRUCTURE)

    def add_record(self, record: Record) -> None:
        name = record_owner(record.section, record.slug)
        self._add(f"rec:{name}", record, DATACLASS, name)
        if isinstance(record.facts, BaseModel):
            self._add(f"facts:{name}", record.facts, PYDANTIC, name)
        self.dicts[id(record.refs)] = True
        self.dicts[id(record.texts)] = True
        for lang, text in record.texts.items():
            self._add(f"text:{name}/{lang}", text, DATACLASS, name)
            self.dicts[id(text.sections)] = False
            self.dicts[id(text.extra)] = False

    # --- digests ---------------------------------------------------------------------------

    def digest(self, key: str, attr: str) -> str:
        memo = self._digests.get((key, attr))
        if memo is None:
            memo = self._digests[(key, attr)] = self._compute(key, attr)
        return memo

    def _compute(self, key: str, attr: str) -> str:
        if key == UNIVERSE:
            return "u" + self.universe
        found = self.objects.get(key)
        if found is None:
            return MISSING
        obj, kind = found
        if attr == "*":
            value: Any = dict(obj) if kind == MAPPING else dict(vars(obj))
        elif attr == "#keys":
            value = tuple(obj)
        elif attr[0] == "[":
            value = obj.get(attr[1:], _Missing)
        elif attr[0] == "(":
            value = obj.get(tuple(attr[1:].split("\x1f")), _Missing)
        elif attr[0] == "?":
            return "?" + str(id(obj))  # a key that cannot be named again: never equal next time
        else:
            value = vars(obj).get(attr, _Missing)
        if value is _Missing:
            return MISSING
        return self.value_digest(value)

    def value_digest(self, value: Any) -> str:
        return hashlib.blake2b(repr(self.compact(value)).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()

    def compact(self, value: Any) -> Any:
        """An unambiguous, repr-able form of a value: entities by key, everything else by value."""
        t = type(value)
        if t in SCALARS:
            return value
        if isinstance(value, Proxy):
            value = value._o
        known = self.keys.get(id(value))
        if known is not None:
            return ("@", known[0])
        compact = self.compact
        if t is list or t is tuple:
            return ("[", *[compact(item) for item in value])
        if t is dict:
            return ("{", *[(compact(k), compact(v)) for k, v in value.items()])
        names = _FIELDS.get(t)
        if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = _FIELDS[t] = tuple(f.name for f in dataclasses.fields(value))
        if names is not None:
            return ("<", t.__name__, *[compact(getattr(value, name)) for name in names])
        if isinstance(value, dict):
            return ("{", *[(compact(k), compact(v)) for k, v in value.items()])
        if isinstance(value, BaseModel):
            return ("<", t.__name__, compact(dict(vars(value))))
        if isinstance(value, PurePath):
            return ("p", str(value))
        if isinstance(value, set | frozenset):
            return ("{set", *sorted((compact(item) for item in value), key=repr))
        if hasattr(value, "_ogp_digest"):
            return ("d", value._ogp_digest())
        return ("?", repr(value))  # unknown: its repr, which may differ next time (then the page is re-rendered)


class _MissingType:
    pass


_Missing = _MissingType()


class Proxy:
    __slots__ = ("_k", "_o", "_s")
    _o: Any
    _k: str | None
    _s: Any  # the reads.Session it logs into (reads.py builds on this module, not the reverse)

    def __eq__(self, other: object) -> bool:
        return self._o is (other._o if isinstance(other, Proxy) else other)

    def __hash__(self) -> int:
        return id(self._o)

    def __str__(self) -> str:
        self._s.log(UNIVERSE, "*")  # an object turned into text wholesale: depends on everything
        return str(self._o)

    __repr__ = __str__


def changed_reads(old: Mapping[str, Mapping[str, str]], index: ModelIndex, owners: set[str] | None) -> dict[str, set[str]]:
    """Reads whose digest differs in `index`'s model. `owners`: the record owners whose inputs
    changed (reads of other records are known unchanged); None re-checks every read."""
    changed: dict[str, set[str]] = {}
    for key, attrs in old.items():
        owner = index.owners.get(key, STRUCTURE)
        if owners is not None and owner != STRUCTURE and owner not in owners:
            continue
        for attr, digest in attrs.items():
            if index.digest(key, attr) != digest:
                changed.setdefault(key, set()).add(attr)
    return changed
