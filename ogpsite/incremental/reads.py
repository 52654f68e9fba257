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
import types
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from jinja2.runtime import Context
from jinja2.utils import missing

from ogpsite.incremental.index import (
    DATACLASS,
    MAPPING,
    SCALARS,
    ModelIndex,
    Proxy,
)

# --- proxies -----------------------------------------------------------------------------------


_ATTR_CACHE: dict[tuple[type, str], tuple[str, Any]] = {}
_INTERNED: dict[frozenset[str], frozenset[str]] = {}
_PLAIN_DATACLASSES: set[type] = set()
ReadSet = dict[str, frozenset[str]]  # entity key -> attributes read

_SESSION: contextvars.ContextVar[Session | None] = contextvars.ContextVar("ogpsite_read_session", default=None)


class Session:
    """The reads of one page render; hands out proxies that log into it."""

    def __init__(self, index: ModelIndex, context_key: str = ""):
        self.index = index
        self.context_key = context_key  # pseudo-entity holding this page's shared context values
        self.context_names: frozenset[str] = frozenset()
        self.reads: dict[str, set[str]] = {}
        self._proxies: dict[int, Proxy] = {}

    def log(self, key: str, attr: str) -> None:
        attrs = self.reads.get(key)
        if attrs is None:
            self.reads[key] = {attr}
        else:
            attrs.add(attr)

    def wrap(self, value: Any) -> Any:
        t = type(value)
        if t in SCALARS:
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
            return SequenceProxy(value, self) if value and type(value[0]) not in SCALARS else value
        if t is dict:
            holds_objects = self.index.dicts.get(id(value))  # known for the model's own dicts
            if holds_objects is None:
                holds_objects = any(type(v) not in SCALARS for v in value.values())
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


class EntityProxy(Proxy):
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


class MappingProxy(Proxy, Mapping):  # type: ignore[misc]
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
        return Proxy.__eq__(self, other)

    def __hash__(self) -> int:
        return id(self._o)

    def __bool__(self) -> bool:
        if self._k is not None:
            self._s.log(self._k, "#keys")
        return bool(self._o)


class SequenceProxy(Proxy, Sequence):  # type: ignore[misc]
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
        return SequenceProxy([*self._o, *(other._o if isinstance(other, Proxy) else other)], self._s)

    def __eq__(self, other: object) -> bool:
        return list(self._o) == list(other._o if isinstance(other, Proxy) else other)  # type: ignore[call-overload, arg-type]

    def __hash__(self) -> int:
        return id(self._o)


def record_text(record: Any, lang: str) -> Any:
    """`record.texts[lang]`, read as a template would read it (logged once, through one proxy)."""
    if isinstance(record, EntityProxy):  # the common case, without going through two proxies
        record._s.log(record._k, "texts")
        return record._s.wrap(record._o.texts[lang])
    return record.text(lang)


def unwrap(value: Any) -> Any:
    return value._o if isinstance(value, Proxy) else value


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
