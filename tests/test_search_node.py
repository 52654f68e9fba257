"""The built indexes under Node: the real lunr.js + lunr-languages + Snowball stemmer + search-core.js,
loaded from the built site exactly as the browser loads them (tests/node/harness.js)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ogpsite.stages import search

from .conftest import ROOT

pytestmark = pytest.mark.node

NODE = shutil.which("node")
NODE_DIR = Path(__file__).resolve().parent / "node"


@pytest.fixture(scope="module")
def node() -> str:
    if NODE is None or not (ROOT / "node_modules" / "lunr").is_dir():
        if os.environ.get("CI"):
            pytest.fail("Node.js and node_modules/ are needed: run `npm ci` (make test does)")
        pytest.skip("Node.js or node_modules/ missing (npm ci)")
    return NODE


def run_node(node: str, script: str, *args: str, data: Any) -> Any:
    result = subprocess.run(
        [node, str(NODE_DIR / script), *args], input=json.dumps(data), capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr  # no lunr warnings (version mismatch, unregistered functions)
    return json.loads(result.stdout)


def query(node: str, site: Path, lang: str, queries: list[str]) -> dict[str, dict[str, Any]]:
    return {item["query"]: item for item in run_node(node, "query.js", str(site), lang, data=queries)}


def ids(outcome: dict[str, Any]) -> list[str]:
    return [r["id"] or r["url"] for r in outcome["results"]]


# --- the browser's words are the index's words ----------------------------------------------------

TRICKY = [
    "participacion", "informacion", "respiracion", "respiración", "constitucion", "constitución",
    "¿qué?", "«gobierno»", "d.c.", "perú", "año", "ano", "niño", "pingüino", "government’s", "e-mail",
    "AR0090", "(ar0090)", "co-creación", "2030", "1.5", "ñandú", "ÑANDÚ", "Ǆemal", "straße", "Øresund",
    "l'état", "—", "...", "'", "x",
]  # fmt: skip


def vocabulary(model: Any, lang: str, analyzer: search.Analyzer, stop_words: frozenset[str]) -> list[list[Any]]:
    """Every distinct word of every indexed field, also without accents and in capitals, each with
    the terms Python indexes for it and whether those must be in the index."""
    tokens = {word for doc in search.documents_for(model, lang) for text in doc.fields.values() for word in search.tokenize(text)}
    rows: dict[str, list[Any]] = {}
    for token in sorted(tokens):
        indexed = analyzer.terms(token)
        bare = re.sub(r"^\W+|\W+$", "", token)  # as a reader types it: "tsáchilas" for "(tsáchilas),"
        forms = [token, bare, *(f(w) for w in (token, bare) for f in (search.fold, str.upper, lambda w: search.fold(w).upper()))]
        for form in dict.fromkeys(forms):
            terms = analyzer.terms(form)
            rows[form] = [form, terms, bool(terms) and terms == indexed]
    for form in [*sorted(stop_words), *TRICKY]:
        rows.setdefault(form, [form, analyzer.terms(form), False])
    return list(rows.values())


@pytest.mark.parametrize("lang", ["en", "es"])
def test_browser_turns_every_corpus_word_into_the_term_the_index_holds(node: str, sample_site: Path, lang: str) -> None:
    from ogpsite.build import check

    from .conftest import settings_for

    model, _ = check(settings_for(ROOT))
    lunr_es = search.read_lunr_spanish(ROOT / "node_modules" / "lunr-languages" / "lunr.es.js")
    assert lunr_es is not None
    analyzer = search.analyzer_for(lang, lunr_es)
    stop_words = search.ENGLISH_STOP_WORDS if lang == "en" else lunr_es.stop_words
    words = vocabulary(model, lang, analyzer, stop_words)
    must_be_indexed = {w for w, _, in_index in words if in_index}
    assert len(words) > 2000
    assert (
        {"participacion", "PARTICIPACION", "tsachilas", "TSÁCHILAS"} <= must_be_indexed
        if lang == "es"
        else {"tsachilas"} <= must_be_indexed
    )

    report = run_node(node, "vocabulary.js", str(sample_site), lang, data={"words": words})

    assert report["checked"] == len(words)
    assert report["mismatches"] == []
    assert report["notInIndex"] == []
    assert report["pipeline"] == load_pipeline(sample_site, lang)
    if lang == "es":
        assert "assets/vendor/snowball/spanish-stemmer.js" in report["scripts"]
        # lunr.es's trimmer and stop words come from the build's reading of lunr.es.js, not lunr.es itself
        assert "assets/vendor/lunr.es.words.js" in report["scripts"]
        assert "assets/vendor/lunr.es.min.js" not in report["scripts"]


def load_pipeline(site: Path, lang: str) -> list[str]:
    return json.loads((site / lang / search.INDEX_FILE).read_text(encoding="utf-8"))["pipeline"]


def test_pystemmer_is_installed_so_the_vocabulary_test_runs_beside_it() -> None:
    """`snowballstemmer.stemmer()` switches to PyStemmer (another Snowball release) whenever `import
    Stemmer` works; the analysis uses the pure-Python classes instead. PyStemmer is in the test extra
    so the vocabulary test above runs with it installed and would catch a switch."""
    try:
        import Stemmer  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("PyStemmer is not installed: pip install -e '.[test]'")
        pytest.skip("PyStemmer is not installed here (pip install -e '.[test]' installs it)")
    import snowballstemmer

    assert type(snowballstemmer.stemmer("spanish")).__module__ == "Stemmer"  # what would have been used
    for lang in ("en", "es"):
        for _, step in search.analyzer_for(lang, LUNR_ES).steps:  # type: ignore[arg-type]
            assert getattr(step, "__self__", None) is None or type(step.__self__).__module__.startswith("snowballstemmer")


LUNR_ES = search.read_lunr_spanish(ROOT / "node_modules" / "lunr-languages" / "lunr.es.js")


# --- queries ------------------------------------------------------------------------------------


def test_spanish_queries(node: str, sample_site: Path) -> None:
    got = query(
        node,
        sample_site,
        "es",
        [
            "compromisos", "compromiso", "participaciones", "participación", "participacion", "Participación",
            "PARTICIPACIÓN", "Tsachilas", "Tsáchilas", "AR0090", "ar0090", "programa federal", "PROGRAMA FEDERAL",
            "informacion", "información",
        ],
    )  # fmt: skip
    assert ids(got["compromisos"]) == ids(got["compromiso"]) and len(ids(got["compromiso"])) >= 5
    assert "compromis" in got["compromisos"]["results"][0]["terms"]
    participacion = ids(got["participación"])
    assert len(participacion) >= 10
    for form in ("participacion", "Participación", "PARTICIPACIÓN", "participaciones"):
        assert ids(got[form]) == participacion, form
    assert ids(got["Tsachilas"]) == ids(got["Tsáchilas"]) == ["stories/from-regional-to-local-2022/"]
    for form in ("AR0090", "ar0090"):
        assert ids(got[form])[0] == "AR0090"
    assert ids(got["programa federal"])[0] == "AR0090" == ids(got["PROGRAMA FEDERAL"])[0]
    assert ids(got["informacion"]) == ids(got["información"]) and ids(got["informacion"])


def test_english_queries(node: str, sample_site: Path) -> None:
    got = query(
        node,
        sample_site,
        "en",
        ["commitments", "commitment", "participating", "participation", "Tsachilas", "Tsáchilas", "AR0090", "ar0090", "federal program"],
    )
    assert ids(got["commitments"]) == ids(got["commitment"]) and ids(got["commitment"])
    assert ids(got["participating"]) == ids(got["participation"]) and len(ids(got["participation"])) >= 10
    assert ids(got["Tsachilas"]) == ids(got["Tsáchilas"]) == ["stories/from-regional-to-local-2022/"]
    assert ids(got["AR0090"])[0] == ids(got["ar0090"])[0] == "AR0090"
    assert ids(got["federal program"])[0] == "AR0090"


def test_typing_and_operators(node: str, sample_site: Path) -> None:
    got = query(
        node,
        sample_site,
        "es",
        ["Tsach", "tsách", "AR009", "partic*", "pártic*", "+federal +programa", "programa -federal", "title:federal",
         "participacion~1", "federal zzzz", "federal zzzz "],
    )  # fmt: skip
    assert ids(got["Tsach"]) == ids(got["tsách"]) == ["stories/from-regional-to-local-2022/"]  # the last word completes
    assert sorted(i for i in ids(got["AR009"]) if i.startswith("AR")) == [f"AR{n:04d}" for n in range(90, 95)]
    assert ids(got["partic*"]) == ids(got["pártic*"]) and ids(got["partic*"])
    assert ids(got["+federal +programa"])[0] == "AR0090"
    assert "AR0090" not in ids(got["programa -federal"]) and ids(got["programa -federal"])
    assert "AR0090" in ids(got["title:federal"])
    assert all("federal" in r["title"].lower() for r in got["title:federal"]["results"])
    assert "AR0090" in ids(got["participacion~1"])
    # Typing a word letter by letter never loses the records the whole word finds.
    word = "participaciones"
    typed = query(node, sample_site, "es", [word[:n] for n in range(4, len(word) + 1)])
    for n in range(4, len(word) + 1):
        assert set(ids(typed[word[:n]])) >= set(ids(typed[word])), word[:n]
    english = query(node, sample_site, "en", ["transpa", "transparen", "transparency"])
    assert set(ids(english["transpa"])) >= set(ids(english["transparen"])) >= set(ids(english["transparency"])) != set()
    # No record has both words: the reader gets the records with any of them, and is told so.
    assert got["federal zzzz "]["status"] == "any" and "AR0090" in ids(got["federal zzzz "])


GARBAGE = ["", " ", "a", "ab", "x y", "+", "-", "*", "**", '"', '""', ":", "::", "~~~", "~", "^", "^^", "title:", ":title",
           "foo:bar", "+-*", "AR0090~", "~1", "a~1", "*a", "a*", "((", "\\", "%", "😀", "de la los", "\u0301", "-corrupción -",
           "participacion^", "participacion^x", "id:", "body:*", "¿?", "'", "<img src=x onerror=alert(1)>"]  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
def test_short_operator_and_garbage_queries_never_throw(node: str, sample_site: Path, lang: str) -> None:
    got = query(node, sample_site, lang, GARBAGE)
    assert set(got) == set(GARBAGE)
    statuses = {q: item["status"] for q, item in got.items()}
    assert set(statuses.values()) <= {"empty", "all", "any", "short", "syntax"}
    assert statuses[""] == statuses[" "] == "empty"
    assert statuses[":"] == statuses["~~~"] == statuses["title:"] == "syntax"
    assert statuses["*"] == statuses["**"] == statuses['"'] == "short"
    assert got["*"]["results"] == []  # a lone wildcard does not list the whole site


def test_scripts_load_the_index_without_rebuilding_it() -> None:
    for name in ("search.js", "search-core.js"):
        source = (ROOT / "templates" / "assets" / name).read_text(encoding="utf-8")
        assert "lunr.Builder" not in source and "lunr(function" not in source and ".innerHTML" not in source
    assert "lunr.Index.load(" in (ROOT / "templates" / "assets" / "search-core.js").read_text(encoding="utf-8")
