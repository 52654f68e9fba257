"""A sequence whose items are made (or read from a cache) only when first asked for."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """Subclasses say how long they are (`__len__`) and how to get item `n` (`_get`, called with
    0 <= n < len, and free to keep what it made); indexing, slices and iteration come from here.

    Used where an edit needs a handful of a language's ~10,600 items: the search documents
    (documents.SearchDocuments) and their analysed terms (index.MemoAnalyses)."""

    def _get(self, n: int) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    @overload
    def __getitem__(self, n: int) -> T: ...
    @overload
    def __getitem__(self, n: slice) -> list[T]: ...
    def __getitem__(self, n: int | slice) -> T | list[T]:
        if isinstance(n, slice):
            return [self._get(i) for i in range(*n.indices(len(self)))]
        at = n + len(self) if n < 0 else n
        if not 0 <= at < len(self):
            raise IndexError(n)
        return self._get(at)

    def __iter__(self) -> Iterator[T]:
        return (self._get(n) for n in range(len(self)))
