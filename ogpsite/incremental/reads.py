"""Dependency tracking: what each page read from the model while it was rendered.

Rendering is a pure function of (model, page). To know which pages an edit touches, every page is
rendered against *proxies* of the model that log each attribute and item read as
(entity key, attribute). An entity key names a model object by what it is, not where it sits in
memory (`rec:commitments/ar0090`, `text:commitments/ar0090/es`, `named:members/argentina`,
`site.plan_commitments`), so the same key means the same thing in the next build's model. A read's
*digest* hashes what it returned: other entities by key, everything else by value. After an edit,
re-computing the digests of the reads pages made tells which reads changed, hence which pages
must be rendered again; a page whose reads, template and context are unchanged is not.

Templates and Python helpers (filters, globals, `meta.json_ld`…) reach the model through the
context, so all their reads go through the proxies and nothing has to be declared. Two things
the proxies cannot see, and which nothing may do: keep model data in a closure or module global
instead of reaching it through the context, and call `str()` on an entity (that is logged as a
read of everything, which is safe but re-renders the page on every change).
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import hashlib
import types
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from jinja2.runtime import Context
from jinja2.utils import missing
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
_SCALARS = frozenset({str, Markup, int, float, bool, type(None), dt.date, dt.datetime})
_ATTR_CACHE: dict[tuple[type, str], tuple[str, Any]] = {}
_INTERNED: dict[frozenset[str], frozenset[str]] = {}
_PLAIN_DATACLASSES: set[type] = set()
_FIELDS: dict[type, tuple[str, ...]] = {}

ReadSet = dict[str, frozenset[str]]  # entity key -> attributes read

_SESSION: contextvars.ContextVar[Session | None] = contextvars.ContextVar("ogpsite_read_session", default=None)


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
        for name in ("records", "by_key", "theme_members", "event_stories", "plan_commitments"):
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
        if t in _SCALARS:
            return value
        if isinstance(value, _Proxy):
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


# --- proxies -----------------------------------------------------------------------------------


class Session:
    """The reads of one page render; hands out proxies that log into it."""

    def __init__(self, index: ModelIndex, context_key: str = ""):
        self.index = index
        self.context_key = context_key  # pseudo-entity holding this page's shared context values
        self.context_names: frozenset[str] = frozenset()
        self.reads: dict[str, set[str]] = {}
        self._proxies: dict[int, _Proxy] = {}

    def log(self, key: str, attr: str) -> None:
        attrs = self.reads.get(key)
        if attrs is None:
            self.reads[key] = {attr}
        else:
            attrs.add(attr)

    def wrap(self, value: Any) -> Any:
        t = type(value)
        if t in _SCALARS:
            return value
        known = self.index.keys.get(id(value))
        if known is not None:
            proxy = self._proxies.get(id(value))
            if proxy is None:
                key, kind = known
                if kind == MAPPING:
                    proxy = MappingProxy(value, key, self)
                else:
                    proxy = EntityProxy(value, key, self, kind)
                self._proxies[id(value)] = proxy
            return proxy
        if t is list or t is tuple:
            return SequenceProxy(value, self) if value and type(value[0]) not in _SCALARS else value
        if t is dict:
            holds_objects = self.index.dicts.get(id(value))  # known for the model's own dicts
            if holds_objects is None:
                holds_objects = any(type(v) not in _SCALARS for v in value.values())
            return MappingProxy(value, None, self) if holds_objects else value
        if t in _PLAIN_DATACLASSES or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            _PLAIN_DATACLASSES.add(t)
            return EntityProxy(value, None, self, DATACLASS)  # e.g. a page's groups: model data inside is logged
        return value

    def view(self, obj: Any) -> Any:
        """A page's own object (its pagination): attributes are not logged, model data in it is."""
        return EntityProxy(obj, None, self, DATACLASS)

    def read_set(self) -> ReadSet:
        out = {}
        for key, attrs in self.reads.items():
            frozen = frozenset(attrs)
            out[key] = _INTERNED.setdefault(frozen, frozen)
        return out


class _Proxy:
    __slots__ = ("_k", "_o", "_s")
    _o: Any
    _k: str | None
    _s: Session

    def __eq__(self, other: object) -> bool:
        return self._o is (other._o if isinstance(other, _Proxy) else other)

    def __hash__(self) -> int:
        return id(self._o)

    def __str__(self) -> str:
        self._s.log(UNIVERSE, "*")  # an object turned into text wholesale: depends on everything
        return str(self._o)

    __repr__ = __str__


def _class_attr(cls: type, name: str) -> tuple[str, Any]:
    found = _ATTR_CACHE.get((cls, name))
    if found is None:
        for klass in cls.__mro__:
            if name in klass.__dict__:
                member = klass.__dict__[name]
                if isinstance(member, property):
                    found = ("property", member)
                elif isinstance(member, types.FunctionType):
                    found = ("method", member)
                else:
                    found = ("other", member)
                break
        else:
            found = ("absent", None)
        _ATTR_CACHE[(cls, name)] = found
    return found


class EntityProxy(_Proxy):
    """A model object (record, text, facts, named item…): logs each attribute read."""

    __slots__ = ("_kind",)

    def __init__(self, obj: Any, key: str | None, session: Session, kind: int):
        self._o, self._k, self._s, self._kind = obj, key, session, kind

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        obj = self._o
        fields = obj.__dict__
        if name in fields:
            key = self._k
            if key is not None:  # Session.log, inlined: this runs for every attribute a page reads
                reads = self._s.reads
                attrs = reads.get(key)
                if attrs is None:
                    reads[key] = {name}
                else:
                    attrs.add(name)
            return self._s.wrap(fields[name])
        how, member = _class_attr(type(obj), name)
        if self._kind == DATACLASS and how == "property":
            return member.fget(self)  # its own reads are logged
        if self._kind == DATACLASS and how == "method":
            return types.MethodType(member, self)
        if how == "absent":
            raise AttributeError(name)
        if self._k is not None:
            self._s.log(self._k, "*")  # anything else (pydantic methods…) may look at every field
        return getattr(obj, name)

    def __bool__(self) -> bool:
        return bool(self._o)


class MappingProxy(_Proxy, Mapping):  # type: ignore[misc]
    """A dict of the model: logs each key read, and iteration as a read of the keys."""

    __slots__ = ()

    def __init__(self, obj: dict[Any, Any], key: str | None, session: Session):
        self._o, self._k, self._s = obj, key, session

    def _log_key(self, item: Any) -> None:
        if self._k is None:
            return
        if type(item) is str:
            self._s.log(self._k, "[" + item)
        elif type(item) is tuple and all(type(part) is str for part in item):
            self._s.log(self._k, "(" + "\x1f".join(item))
        else:
            self._s.log(self._k, f"?{item!r}")

    def __getitem__(self, item: Any) -> Any:
        self._log_key(item)
        return self._s.wrap(self._o[item])

    def get(self, item: Any, default: Any = None) -> Any:
        self._log_key(item)
        if item in self._o:
            return self._s.wrap(self._o[item])
        return default

    def __contains__(self, item: object) -> bool:
        self._log_key(item)
        return item in self._o

    def __iter__(self) -> Iterator[Any]:
        if self._k is not None:
            self._s.log(self._k, "#keys")
        return iter(self._o)

    def __len__(self) -> int:
        if self._k is not None:
            self._s.log(self._k, "#keys")
        return len(self._o)

    def __eq__(self, other: object) -> bool:
        return _Proxy.__eq__(self, other)

    def __hash__(self) -> int:
        return id(self._o)

    def __bool__(self) -> bool:
        if self._k is not None:
            self._s.log(self._k, "#keys")
        return bool(self._o)


class SequenceProxy(_Proxy, Sequence):  # type: ignore[misc]
    """A list of model objects (already digested by the read that produced it)."""

    __slots__ = ()

    def __init__(self, obj: Sequence[Any], session: Session):
        self._o, self._k, self._s = obj, None, session

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return SequenceProxy(list(self._o[index]), self._s)
        return self._s.wrap(self._o[index])

    def __len__(self) -> int:
        return len(self._o)

    def __iter__(self) -> Iterator[Any]:
        wrap = self._s.wrap
        for item in self._o:
            yield wrap(item)

    def __bool__(self) -> bool:
        return bool(self._o)

    def __add__(self, other: Any) -> SequenceProxy:
        return SequenceProxy([*self._o, *(other._o if isinstance(other, _Proxy) else other)], self._s)

    def __eq__(self, other: object) -> bool:
        return list(self._o) == list(other._o if isinstance(other, _Proxy) else other)  # type: ignore[call-overload]

    def __hash__(self) -> int:
        return id(self._o)


def record_text(record: Any, lang: str) -> Any:
    """`record.texts[lang]`, read as a template would read it (logged once, through one proxy)."""
    if isinstance(record, EntityProxy):  # the common case, without going through two proxies
        record._s.log(record._k, "texts")
        return record._s.wrap(record._o.texts[lang])
    return record.text(lang)


def unwrap(value: Any) -> Any:
    return value._o if isinstance(value, _Proxy) else value


# --- the Jinja side ------------------------------------------------------------------------------


class TrackingContext(Context):
    """Logs which shared context values (the date, the event lists…) a template looks up."""

    def resolve_or_missing(self, key: str) -> Any:
        session = _SESSION.get()
        if session is not None and key in session.context_names:
            session.log(session.context_key, "[" + key)
        # Context.resolve_or_missing, inlined (it runs for every name a template looks up)
        if key in self.vars:
            return self.vars[key]
        if key in self.parent:
            return self.parent[key]
        return missing


def current_session() -> Session | None:
    return _SESSION.get()


def activate(session: Session | None) -> contextvars.Token[Session | None]:
    return _SESSION.set(session)


def deactivate(token: contextvars.Token[Session | None]) -> None:
    _SESSION.reset(token)


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
