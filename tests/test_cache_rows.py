"""The pages' rows in the build cache (incremental/cache.py): each page's reads stored as its keys
and the numbers of shared attribute sets, loaded back as they were saved, through every kind of save."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ogpsite.incremental.cache import Cache, PageEntry, State


def entry(name: str, reads: dict[str, set[str]]) -> PageEntry:
    return PageEntry(f"{name}/index.html", f"digest-{name}", f"sha-{name}", {key: frozenset(attrs) for key, attrs in reads.items()})


PAGES = {
    "en/commitments/ar0090/": entry("ar0090", {"rec:commitments/ar0090": {"title", "texts"}, "site.site": {"title"}}),
    "es/commitments/ar0090/": entry("ar0090-es", {"rec:commitments/ar0090": {"title", "texts"}, "site.site": {"title"}}),
    "en/themes/open-state/": entry("open-state", {"rec:themes/open-state": {"title"}, "site.commitments": {"list"}}),
}


def loaded(root: Path) -> tuple[Cache, State]:
    cache = Cache(root, "settings")
    state = cache.load()
    cache.load_rest(state)
    return cache, state


def test_pages_load_as_saved_and_share_their_attribute_sets(tmp_path: Path) -> None:
    Cache(tmp_path, "settings").save(State(signature="one", pages=dict(PAGES)), None)
    _, state = loaded(tmp_path)
    assert state.pages == PAGES
    en, es = state.pages["en/commitments/ar0090/"], state.pages["es/commitments/ar0090/"]
    assert en.reads["rec:commitments/ar0090"] is es.reads["rec:commitments/ar0090"]  # one set for both
    assert en.reads["site.site"] is es.reads["site.site"]


def test_an_incremental_save_adds_only_the_new_sets_and_the_changed_rows(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "settings")
    cache.save(State(signature="one", pages=dict(PAGES)), None)
    cache, state = loaded(tmp_path)
    pages = dict(state.pages)
    pages["en/themes/open-state/"] = entry("open-state", {"rec:themes/open-state": {"title", "summary"}, "site.commitments": {"list"}})
    pages["en/events/2017-americas/"] = entry("event", {"rec:events/2017-americas": {"date"}})
    del pages["es/commitments/ar0090/"]
    cache.save(State(signature="two", pages=pages), state)
    _, again = loaded(tmp_path)
    assert again.pages == pages
    with sqlite3.connect(cache.path) as db:
        numbers = [n for (n,) in db.execute("SELECT number FROM read_sets ORDER BY number")]
    assert numbers == list(range(len(numbers)))  # numbered in order, none twice
    assert len(numbers) == 5  # {title, texts}, {title}, {list}; then {title, summary}, {date}


def test_a_save_over_another_process_state_writes_every_row_again(tmp_path: Path) -> None:
    """A Cache whose state was replaced by another process's save (another generation) does not
    write only its differences: its numbering may clash with the file's."""
    first = Cache(tmp_path, "settings")
    first.save(State(signature="one", pages=dict(PAGES)), None)
    stale, state = loaded(tmp_path)
    other = {"en/stories/open-budget/": entry("story", {"rec:stories/open-budget": {"body"}, "site.site": {"lang"}})}
    first.save(State(signature="two", pages=other), None)  # the other process
    pages = dict(state.pages) | {"en/about/": entry("about", {"site.site": {"about"}})}
    stale.save(State(signature="three", pages=pages), state)
    _, again = loaded(tmp_path)
    assert again.signature == "three"
    assert again.pages == pages


def test_unreadable_rows_are_a_cache_to_build_again(tmp_path: Path) -> None:
    Cache(tmp_path, "settings").save(State(signature="one", pages=dict(PAGES)), None)
    with sqlite3.connect(Cache(tmp_path, "settings").path) as db:
        db.execute("DELETE FROM read_sets WHERE number = 0")  # rows now name a set that is not there
    cache, state = loaded(tmp_path)
    assert state.pages == {}
    cache.save(State(signature="two", pages=dict(PAGES)), state)
    _, again = loaded(tmp_path)
    assert again.pages == PAGES


def test_a_loaded_page_answers_what_it_read_from_its_row_without_making_its_reads(tmp_path: Path) -> None:
    import random

    from ogpsite.incremental.outdated import touched

    rng = random.Random(12)
    keys = [f"rec:commitments/ar{n:04}" for n in range(40)] + ["site.site", "site.commitments"]
    attrs = ["title", "texts", "summary", "list", "lang", "date"]
    pages = {
        f"en/p{n}/": entry(f"p{n}", {key: set(rng.sample(attrs, rng.randint(1, 3))) for key in rng.sample(keys, rng.randint(1, 12))})
        for n in range(60)
    }
    Cache(tmp_path, "settings").save(State(signature="one", pages=dict(pages)), None)
    _, state = loaded(tmp_path)
    for _ in range(300):
        changed = {key: set(rng.sample(attrs, rng.randint(1, 2))) for key in rng.sample([*keys, "rec:new/one"], rng.randint(0, 4))}
        for url, stored in state.pages.items():
            assert stored.touched(changed) == touched(pages[url].reads, changed), (url, changed)
    assert not any(stored.reads_unpacked for stored in state.pages.values())  # an edit's build makes no page's reads
    assert state.pages == pages  # and they are the saved ones when asked for
    assert all(stored.reads_unpacked for stored in state.pages.values())


def test_a_row_naming_a_key_that_is_not_stored_is_a_cache_to_build_again(tmp_path: Path) -> None:
    Cache(tmp_path, "settings").save(State(signature="one", pages=dict(PAGES)), None)
    with sqlite3.connect(Cache(tmp_path, "settings").path) as db:
        last = db.execute("SELECT max(number) FROM read_keys").fetchone()[0]
        db.execute("DELETE FROM read_keys WHERE number = ?", (last,))
    cache, state = loaded(tmp_path)
    assert state.pages == {}
    cache.save(State(signature="two", pages=dict(PAGES)), state)
    _, again = loaded(tmp_path)
    assert again.pages == PAGES
