"""The sharded index answers exactly as one whole lunr index: the same refs, in the same order, with
the same scores, for 300+ queries per language of every kind a reader types, on a generated corpus
with a realistic vocabulary (benchmarks/corpus.py) cut into many small shards. Real lunr.js 2.3.9
under Node runs both sides (tests/node/parity.js), and a first page of results asked alone (the
Worker's first answer) is the beginning of the whole answer, with its total."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from benchmarks.corpus import generate
from ogpsite.build import check
from ogpsite.stages import search

from .conftest import ROOT, settings_for
from .test_search_node import node, run_node  # noqa: F401 (node is a fixture)

pytestmark = pytest.mark.node
SHARD_BYTES = 3_000  # small shards, so queries cross shard boundaries


def write_search_site(model: Any, out: Path, target: int = SHARD_BYTES) -> dict[str, Path]:
    """The search files of every language (shards of `target` bytes) and the whole index beside them."""
    vendor, problems = search.vendor_files(ROOT)
    assert problems == []
    core = (ROOT / "templates" / "assets" / search.CORE_SCRIPT).read_bytes()
    lunr_es = search.read_lunr_spanish(ROOT / "node_modules" / "lunr-languages" / "lunr.es.js")
    assert lunr_es is not None
    files = {**vendor, f"assets/{search.CORE_SCRIPT}": core}
    wholes = {}
    for lang in model.languages:
        built = search.build_language(model, lang, lunr_es)
        built.scripts = search.script_urls(lang, vendor, core)
        split = built.split(target)
        files.update({f"{lang}/{path}": data for path, data in split.files.items()})
        files[f"{lang}/{search.INDEX_FILE}"] = search._json(split.manifest)
        wholes[lang] = out.parent / f"whole-{lang}.json"
        wholes[lang].write_bytes(built.index_bytes())
    for relpath, data in files.items():
        (out / relpath).parent.mkdir(parents=True, exist_ok=True)
        (out / relpath).write_bytes(data)
    return wholes


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("parity")
    generate(root / "content", 60, events=5, stories=5)
    model, problems = check(settings_for(root))
    assert model is not None, problems[:3]
    wholes = write_search_site(model, root / "site")
    return model, root / "site", wholes


def queries_for(model: Any, lang: str, seed: int = 13) -> list[str]:
    """At least 300 queries drawn from the corpus's own words: single words (frequent and rare),
    two and three words, accent-free and capitalised forms, words being typed (prefixes), `*`
    wildcards at the end and the start, field-scoped, + and - (and - alone), fuzzy, boosts, IDs."""
    rng = random.Random(f"{seed}-{lang}")
    docs = search.documents_for(model, lang)
    words = sorted({w.strip(".,;:«»¿?¡!()*") for d in docs for w in search.tokenize(d.fields["body"] + " " + d.fields["title"])})
    words = [w for w in words if len(w) >= 3 and re.fullmatch(r"\w+", w)]
    accented = [w for w in words if search.fold(w) != w] or words
    ids = sorted(d.record_id for d in docs if d.record_id)
    pick = rng.choice
    out: list[str] = []
    out += [pick(words) for _ in range(60)]
    out += [f"{pick(words)} {pick(words)}" for _ in range(35)] + [f"{pick(words)} {pick(words)} {pick(words)}" for _ in range(25)]
    out += [search.fold(pick(accented)) for _ in range(20)] + [pick(accented).upper() for _ in range(10)]
    out += [(w := pick(words))[: rng.randint(3, max(3, len(w) - 1))] for _ in range(40)]  # typed so far
    out += [f"{pick(words)} {(w := pick(words))[: rng.randint(3, len(w))]}" for _ in range(15)]
    out += [f"{(w := pick(words))[: rng.randint(2, max(2, len(w) - 2))]}*" for _ in range(20)]
    out += [f"*{pick(words)[-4:]}" for _ in range(4)] + [f"{(w := pick(words))[:2]}*{w[-2:]}" for _ in range(3)]
    out += [f"{rng.choice(['title', 'body', 'summary', 'themes', 'place'])}:{pick(words)}" for _ in range(20)]
    out += [f"+{pick(words)} +{pick(words)}" for _ in range(12)] + [f"{pick(words)} -{pick(words)}" for _ in range(12)]
    out += [f"+{pick(words)} -{pick(words)} {pick(words)}" for _ in range(6)] + [f"-{pick(words)}" for _ in range(5)]
    out += [f"{pick(words)}~1" for _ in range(15)] + [f"{pick(words)}~2" for _ in range(3)]
    out += [f"{pick(words)}^3 {pick(words)}" for _ in range(5)]
    out += [pick(ids) for _ in range(8)] + [pick(ids).lower() for _ in range(4)] + [pick(ids)[:5] for _ in range(4)]
    out += [f"{pick(ids)} {pick(words)}" for _ in range(4)]
    out += ["participacion", "participación", "procure", "particip", "transparen", "gobierno abierto", "open government"]
    out += ["+de", "+the", "title:", ":", "~~~", "*", "a*"]  # stop words required, syntax errors, too short
    return list(dict.fromkeys(out))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_sharded_index_gives_the_whole_index_results(node: str, corpus: tuple[Any, Path, dict[str, Path]], lang: str) -> None:  # noqa: F811
    model, site, wholes = corpus
    queries = queries_for(model, lang)
    assert len(queries) >= 300

    report = run_node(node, "parity.js", str(site), lang, str(wholes[lang]), data=queries)

    assert report["differences"] == []
    assert report["maxScoreDifference"] <= 1e-9
    rows = report["rows"]
    assert len(rows) == len(queries)
    assert report["shards"] >= 20  # the index really is cut, and queries cross shard boundaries
    found = [row for row in rows if row["results"] > 0]
    assert len(found) >= 0.8 * len(rows)  # the queries find things: the comparison is not over empty lists
    assert {row["status"] for row in rows} >= {"all", "any", "syntax", "short"}
    assert any(row["vocabulary"] for row in rows)  # fuzzy and inner wildcards took the vocabulary path
    # Asked for a first page only (as the Worker asks), every query gave the whole answer's total and
    # its first results; for many, lunr ran on fewer documents than the whole answer has.
    pages = report["firstPages"]
    assert pages["compared"] == 3 * len(queries)
    assert pages["cut"] >= 0.2 * pages["compared"]
    # The Worker fetches the texts of the documents it is told will lead, while lunr runs: right
    # (the very documents, in the answer's order) for nearly every query.
    assert pages["told"] >= 0.5 * pages["compared"]
    assert pages["toldRight"] >= 0.95 * pages["told"]


def test_a_query_fetches_only_the_shards_it_needs(node: str, corpus: tuple[Any, Path, dict[str, Path]]) -> None:  # noqa: F811
    _, site, _ = corpus
    manifest = json.loads((site / "en" / search.INDEX_FILE).read_text(encoding="utf-8"))
    got = run_node(node, "query.js", str(site), "en", data=["government", "procure"])
    first = [f for f in got[0]["fetched"] if f.startswith(search.SHARD_DIR)]
    assert 1 <= len(first) <= 2 < len(manifest["shards"]["names"])
    texts = [f for f in got[0]["fetched"] if f.startswith(search.TEXT_DIR)]
    assert len(texts) == len(got[0]["results"])  # one text per result, fetched for the results only


def test_a_first_page_waits_for_the_lengths_and_asks_again_when_they_failed(node: str, corpus: tuple[Any, Path, dict[str, Path]]) -> None:  # noqa: F811
    """The Worker fetches the field lengths as it loads, beside the first query's shards. A query
    whose shards come in first waits for the lengths; after the lengths failed to come (the first
    query fails with them), the next query asks for them again instead of failing for good. Either
    way the answers are those given when the lengths were in first."""
    _, site, _ = corpus
    queries = ["government", "procure", "open data", "participation"]
    on_time = run_node(node, "query.js", str(site), "en", "5", data=queries)
    assert all(q["total"] > 0 for q in on_time)
    assert any(q["total"] > len(q["results"]) for q in on_time)  # first pages, not whole answers
    answers = [(q["status"], q["total"], q["results"]) for q in on_time]
    late = run_node(node, "query.js", str(site), "en", "5", "late", data=queries)
    assert [(q["status"], q["total"], q["results"]) for q in late] == answers
    flaky = run_node(node, "query.js", str(site), "en", "5", "flaky", data=queries[:1] + queries)
    assert flaky[0] == {"query": queries[0], "failed": True}
    assert [(q["status"], q["total"], q["results"]) for q in flaky[1:]] == answers


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_browser_scores_every_term_as_the_whole_index_does(node: str, corpus: tuple[Any, Path, dict[str, Path]], lang: str) -> None:  # noqa: F811
    """The shards hold term frequencies and the browser scores them (search-core.js): with every
    shard and field-lengths file fetched, the lunr JSON it makes of every term is the whole index,
    every posting with its relative term order, every field vector with its very scores."""
    _, site, wholes = corpus
    report = run_node(node, "whole.js", str(site), lang, str(wholes[lang]), data=None)
    assert report["terms"] > 1000 and report["scores"] > 10_000
    assert report["madeVectors"] == report["fieldVectors"]
    assert report["postingsDiffer"] == 0
    assert report["vectorsDiffer"] == 0
    assert report["maxScoreDifference"] == 0


@pytest.mark.parametrize("lang", ["en", "es"])
def test_one_clause_gives_the_same_answer_required_or_not(node: str, corpus: tuple[Any, Path, dict[str, Path]], lang: str) -> None:  # noqa: F811
    """search-core.js asks lunr a one-word plain query without `required` (lunr's required sets cost
    half a broad query's time at 10,000 records): on the whole index, each term, exact and as a
    prefix, gives the very same refs, order, scores and matched terms either way."""
    _, _, wholes = corpus
    index = json.loads(wholes[lang].read_text(encoding="utf-8"))
    terms = sorted(term for term, _ in index["invertedIndex"])
    rng = random.Random(f"presence-{lang}")
    picked = rng.sample(terms, 150) + [t[:3] for t in rng.sample(terms, 40)] + ["zzzznotaterm"]
    report = run_node(node, "presence.js", str(wholes[lang].parent / "site"), lang, str(wholes[lang]), data=picked)
    assert report["differences"] == []
    assert report["compared"] == 2 * len(picked)
    documents = len(search.documents_for(corpus[0], lang))
    assert report["results"] > 5 * len(picked)
    assert report["widest"] > documents // 2  # a broad prefix among them: most documents compared
