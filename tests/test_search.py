"""The search stage in Python: what the index holds, how words become terms, what the build writes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lunr.builder import Builder
from lunr.pipeline import Pipeline

from ogpsite.build import check
from ogpsite.stages import search
from ogpsite.stages.search.vendor import minified

from .conftest import ROOT, build_args, parse_html, run_cli, settings_for

LUNR_ES = search.read_lunr_spanish(ROOT / "node_modules" / "lunr-languages" / "lunr.es.js")
needs_lunr_es = pytest.mark.skipif(LUNR_ES is None, reason="node_modules/ is not installed (npm ci)")


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    found, problems = check(settings_for(ROOT))
    assert found is not None, problems
    return found


def analyzer(lang: str) -> search.Analyzer:
    assert LUNR_ES is not None
    return search.analyzer_for(lang, LUNR_ES)


def load(site: Path, lang: str, name: str) -> dict:
    return json.loads((site / lang / name).read_text(encoding="utf-8"))


# --- words to terms ----------------------------------------------------------------------------


@needs_lunr_es
@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("es", ["compromiso", "compromisos", "Compromisos", "COMPROMISOS"]),
        ("es", ["participación", "participacion", "Participación", "PARTICIPACIÓN", "participaciones"]),
        ("es", ["información", "informacion", "INFORMACION"]),
        ("es", ["Tsáchilas", "tsachilas", "TSACHILAS"]),
        ("es", ["«gobierno»", "gobierno,", "¿gobierno?", "GOBIERNO"]),
        ("es", ["provincia", "provincias", "Provincias"]),
        ("en", ["commitment", "commitments", "Commitments"]),
        ("en", ["participation", "participating", "PARTICIPATION"]),
        ("en", ["Tsáchilas", "Tsachilas", "tsachilas"]),
        ("en", ["AR0090", "ar0090", "(AR0090)"]),
    ],
)
def test_inflected_accented_and_capitalised_forms_become_one_term(lang: str, forms: list[str]) -> None:
    terms = {tuple(analyzer(lang).terms(form)) for form in forms}
    assert len(terms) == 1, terms
    assert len(next(iter(terms))) == 1


@needs_lunr_es
def test_spanish_is_stemmed_by_snowball_and_stop_words_come_from_lunr_es() -> None:
    es = analyzer("es")
    assert es.terms("participación participacion") == ["particip", "particip"]
    assert es.terms("respiracion") == ["respir"]
    assert es.terms("de la los que ¿qué?") == []  # lunr.es's stop words, after its trimmer
    assert {"de", "la", "qué", "más"} <= LUNR_ES.stop_words  # type: ignore[union-attr]
    assert [label for label, _ in es.steps] == ["trimmer-es", "stopWordFilter-es", "ogpsite-fold", "ogpsite-stemmer-es"]


@needs_lunr_es
def test_english_folds_then_runs_lunr_js_trimmer_and_stop_words_then_snowball() -> None:
    en = analyzer("en")
    assert [label for label, _ in en.steps] == ["ogpsite-fold", "trimmer", "stopWordFilter", "ogpsite-stemmer-en"]
    assert en.terms("day days way") == ["day", "day", "way"]  # Snowball English, as in the browser
    assert en.terms("the Perú") == ["peru"]  # folded first, so lunr's ASCII trimmer keeps the ú's letter
    assert en.terms("governments' d.c.") == ["govern", "d.c"]


@needs_lunr_es
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_word_of_the_corpus_finds_the_same_term_without_accents(model, lang: str) -> None:  # type: ignore[no-untyped-def]
    an = analyzer(lang)
    stop = search.ENGLISH_STOP_WORDS if lang == "en" else LUNR_ES.stop_words  # type: ignore[union-attr]
    words = {word for doc in search.documents_for(model, lang) for text in doc.fields.values() for word in search.tokenize(text)}
    assert len(words) > 1000
    differ = []
    for word in sorted(words):
        term = an.term(word)
        if term is None or word in stop or search.fold(word) in stop:
            continue
        if an.terms(search.fold(word)) != [term] or an.terms(word.upper()) != [term]:
            differ.append(word)
    assert differ == []


# --- the index ---------------------------------------------------------------------------------


def test_each_language_has_a_lunr_index_naming_its_pipeline(sample_site: Path) -> None:
    en, es = load(sample_site, "en", "search-index.json"), load(sample_site, "es", "search-index.json")
    assert en["lunr"] == es["lunr"] == "2.3.9"
    assert en["fields"] == [name for name, _ in search.FIELDS]
    assert en["pipeline"] == ["ogpsite-fold", "trimmer", "stopWordFilter", "ogpsite-stemmer-en"]
    assert es["pipeline"] == ["trimmer-es", "stopWordFilter-es", "ogpsite-fold", "ogpsite-stemmer-es"]
    es_terms, en_terms = search.site_terms(sample_site / "es"), search.site_terms(sample_site / "en")
    assert {"particip", "compromis", "tsachil", "ar0090"} <= es_terms
    assert {"particip", "commit", "ar0090"} <= en_terms
    assert not any(set(term) & set("áéíóúñü") for term in es_terms | en_terms)  # accents are folded away
    shard_terms = set()
    for first, name in zip(es["shards"]["first"], es["shards"]["names"], strict=True):
        entries = json.loads((sample_site / "es" / es["shards"]["dir"] / f"{name}.json").read_text(encoding="utf-8"))
        assert entries[0][0] == first
        shard_terms |= {entry[0] for entry in entries}
    assert shard_terms == es_terms  # every term in exactly one shard, and in the vocabulary


def texts(site: Path, lang: str) -> list[dict]:
    """Every record's result text, in ref order, as the manifest names them."""
    manifest = load(site, lang, "search-index.json")
    group = manifest["texts"]["group"]
    folder = site / lang / manifest["texts"]["dir"]
    return [
        json.loads((folder / manifest["texts"]["names"][ref // group] / f"{ref}.json").read_text(encoding="utf-8"))
        for ref in range(manifest["count"])
    ]


def test_the_store_lists_every_record_with_what_a_result_shows(sample_site: Path, model) -> None:  # type: ignore[no-untyped-def]
    for lang in ("en", "es"):
        docs = texts(sample_site, lang)
        assert len(docs) == sum(len(model.records[s]) for s in ("commitments", "themes", "events", "stories"))
        folders = {path.parent.name for path in (sample_site / lang / search.TEXT_DIR).rglob("*.json")}
        assert folders == set(load(sample_site, lang, "search-index.json")["texts"]["names"])  # no stray text files
        assert {doc["k"] for doc in docs} == {"commitment", "theme", "event", "story"}
        for doc in docs:
            assert (sample_site / lang / doc["u"] / "index.html").is_file()
            assert doc["t"] and len(doc["s"]) <= search.SNIPPET_CHARS + 1
        ar0090 = next(doc for doc in docs if doc.get("i") == "AR0090")
        assert ar0090["u"] == "commitments/ar0090/"
        assert ar0090["t"] == {"en": "Federal Program on Open Government", "es": "Programa Federal de Gobierno Abierto"}[lang]
    es_scripts = load(sample_site, "es", "search-index.json")["scripts"]
    assert [s.split("?")[0].rsplit("/", 1)[1] for s in es_scripts] == [
        "lunr.min.js",
        "lunr.es.words.js",  # lunr.es's word characters and stop words, not lunr.es itself
        "base-stemmer.js",
        "spanish-stemmer.js",
        "search-core.js",
    ]
    for script in es_scripts:
        assert (sample_site / "es" / script.split("?")[0]).resolve().is_file()


def test_the_worker_is_one_script_of_the_engine_scripts_then_the_worker_loop(sample_site: Path) -> None:
    """The search page starts one Worker script per language, named by its content in the manifest:
    the very scripts the manifest lists (which Node's tests run), in order, then search-worker.js;
    our own two (search-core.js, search-worker.js) without their comments."""
    worker_loop = (ROOT / "templates" / "assets" / search.WORKER_SCRIPT).read_bytes()
    bundles = set()
    for lang in ("en", "es"):
        manifest = load(sample_site, lang, "search-index.json")
        bundle = (sample_site / lang / manifest["worker"]).resolve()
        assert bundle.parent == (sample_site / search.BUNDLE_DIR).resolve()
        data = bundle.read_bytes()
        assert bundle.name == f"{lang}-{hashlib.sha256(data).hexdigest()[:12]}.js"
        parts = [(sample_site / lang / url.split("?")[0]).read_bytes() for url in manifest["scripts"]]
        assert manifest["scripts"][-1].startswith(f"../assets/{search.CORE_SCRIPT}?")
        parts[-1] = minified(parts[-1])
        body = data[data.index(b"*/\n") + 3 :]  # after the one-line header naming the parts
        assert body == b"\n;\n".join(parts) + b"\n;\n" + minified(worker_loop)
        assert len(parts[-1]) < 0.7 * len((ROOT / "templates" / "assets" / search.CORE_SCRIPT).read_bytes())
        assert b"importScripts" not in data  # nothing more to fetch before the engine runs
        bundles.add(bundle.name)
    assert sorted(path.name for path in (sample_site / search.BUNDLE_DIR).iterdir()) == sorted(bundles)
    page = (sample_site / "es" / "search" / "index.html").read_text(encoding="utf-8")
    assert "search-worker.js" not in page  # the page names the bundle only, never its parts


def test_the_search_page_names_the_worker_its_manifest_names(sample_site: Path) -> None:
    """search.js starts the Worker the page names as soon as it runs, before the manifest is in: the
    page must name the very script the manifest does, which the search stage wrote."""
    for lang in ("en", "es"):
        page = sample_site / lang / "search" / "index.html"
        link = parse_html(page).find("link", attrs={"data-search-manifest": True})
        assert page.parent.joinpath(link["href"]).resolve() == sample_site / lang / "search-index.json"
        named = page.parent.joinpath(link["data-search-worker"]).resolve()
        assert named == (sample_site / lang / load(sample_site, lang, "search-index.json")["worker"]).resolve()
        assert named.is_file()


def test_lunr_es_words_are_the_ones_the_build_analyses_with() -> None:
    lunr_es = search.read_lunr_spanish(search.VENDORED / "lunr-languages" / "lunr.es.js")
    assert lunr_es is not None and {"de", "la", "que", "está"} <= lunr_es.stop_words
    script = search.lunr_es_words(lunr_es).decode("ascii")  # \u escapes only: no charset to get wrong
    assert script.startswith("/*") and script.count("\nvar OgpLunrEs = ") == 1 and script.endswith(";\n")
    words = json.loads(script.split("var OgpLunrEs = ", 1)[1].rstrip(";\n"))
    assert words == {"wordCharacters": lunr_es.word_characters, "stopWords": sorted(lunr_es.stop_words)}
    vendor, problems = search.vendor_files(ROOT)
    assert problems == [] and vendor[f"{search.VENDOR_DIR}/{search.LUNR_ES_WORDS}"] == script.encode("ascii")


def test_fields_hold_id_themes_institutions_and_place(model) -> None:  # type: ignore[no-untyped-def]
    docs = {doc.record_id: doc for doc in search.documents_for(model, "es") if doc.record_id}
    ar0090 = docs["AR0090"].fields
    assert ar0090["id"] == "AR0090"
    assert "Argentina" in ar0090["place"]
    assert ar0090["themes"] and ar0090["institutions"]
    assert not ar0090["body"].startswith(ar0090["title"])  # the title is indexed once, boosted


@needs_lunr_es
def test_index_equals_the_one_lunrs_own_builder_makes(model) -> None:  # type: ignore[no-untyped-def]
    documents = search.documents_for(model, "es")[:40]
    an = analyzer("es")
    fast = search.build_index(documents, an)

    def analyse(token, i=None, tokens=None):  # type: ignore[no-untyped-def]
        term = an.term(str(token))
        return None if term is None else token.update(lambda _s, _m=None: term)

    analyse.label = "analyse"  # type: ignore[attr-defined]
    builder = Builder()
    builder.ref("ref")
    for name, boost in search.FIELDS:
        builder.field(name, boost=boost)
    builder.pipeline.add(analyse)
    builder.search_pipeline.add(*an.lunr_pipeline())
    for doc in documents:
        # lunr's tokenizer splits on fewer spaces than lunr.js; give it the same tokens.
        builder.add({"ref": doc.ref, **{name: search.tokenize(doc.fields.get(name, "")) for name, _ in search.FIELDS}})
    slow = builder.build().serialize()
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
    assert "analyse" not in Pipeline.registered_functions


def search_files(site: Path, lang: str) -> dict[str, bytes]:
    folder = site / lang
    paths = [folder / search.INDEX_FILE, *(folder / search.SHARD_DIR).rglob("*"), *(folder / search.TEXT_DIR).rglob("*.json")]
    return {str(path.relative_to(folder)): path.read_bytes() for path in paths if path.is_file()}


def test_same_content_gives_byte_identical_index(sample_site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = run_cli(*build_args("--content", str(ROOT / "content"), "--output", str(again), "--quiet"), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    for lang in ("en", "es"):
        files = search_files(sample_site, lang)
        assert len(files) > 100
        assert search_files(again, lang) == files


# --- the browser libraries ----------------------------------------------------------------------


def test_browser_libraries_are_copied_from_the_vendored_packages(sample_site: Path) -> None:
    vendor = sample_site / "assets" / "vendor"
    assert (vendor / "lunr.min.js").read_bytes() == (search.VENDORED / "lunr/lunr.min.js").read_bytes()
    assert (vendor / "lunr.es.min.js").read_bytes() == (search.VENDORED / "lunr-languages/min/lunr.es.min.js").read_bytes()
    assert b"SpanishStemmer=function()" in (vendor / "snowball" / "spanish-stemmer.js").read_bytes()
    assert (vendor / "snowball" / "spanish-stemmer.js").is_file() and (vendor / "LICENSE-lunr.txt").is_file()
    assert (vendor / "snowball" / "COPYING-snowball.txt").is_file() and (vendor / "LICENSE-lunr-languages.txt").is_file()
    package = json.loads((ROOT / "package.json").read_text())
    assert package["dependencies"] == {"lunr": "2.3.9", "lunr-languages": "1.22.0"}
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/lunr"]["version"] == "2.3.9"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    libraries = [path for path in tracked if Path(path).name.startswith(("lunr", "spanish-stemmer", "base-stemmer"))]
    assert libraries and all(path.startswith("ogpsite/vendor/") for path in libraries)  # vendored once, nowhere else


def test_missing_browser_library_stops_the_build_with_a_hint(project: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-libraries"
    empty.mkdir()
    env = {**os.environ, search.NODE_MODULES_ENV: str(empty)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *build_args()],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 1
    assert "browser library 'lunr' is missing" in result.stderr
    assert "pip install --force-reinstall ogpsite" in result.stderr and "make vendor" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "site").exists()


def test_unreadable_lunr_es_is_reported(tmp_path: Path) -> None:
    odd = tmp_path / "lunr.es.js"
    odd.write_text("lunr.es = function () {}", encoding="utf-8")
    assert search.read_lunr_spanish(odd) is None
    assert search.read_lunr_spanish(tmp_path / "missing.js") is None


# --- the pages ----------------------------------------------------------------------------------


def test_pages_have_no_inline_script_or_style(sample_site: Path) -> None:
    pages = sorted(sample_site.rglob("*.html"))
    assert len(pages) > 100
    for path in pages:
        soup = parse_html(path)
        for script in soup.find_all("script"):
            assert script.get("src") or script.get("type") == "application/ld+json", f"inline script in {path}"
        assert soup.find_all("style") == [], path
        assert soup.find_all(style=True) == [], path
        assert not [tag for tag in soup.find_all(True) if any(attr.startswith("on") for attr in tag.attrs)], path


def test_header_box_is_a_form_to_the_search_page(sample_site: Path) -> None:
    for lang in ("en", "es"):
        for page in (f"{lang}/index.html", f"{lang}/commitments/ar0090/index.html"):
            soup = parse_html(sample_site / page)
            form = soup.select_one("form.search-form")
            assert form is not None and form["method"] == "get"
            target = (sample_site / page).parent / form["action"]
            assert target.resolve() == (sample_site / lang / "search").resolve()
            assert form.select_one("label")["for"] == form.select_one("input[name=q]")["id"]
            assert (sample_site / page).parent.joinpath(form["data-search-index"]).resolve() == (sample_site / lang / "search-index.json")
            script = soup.select_one("script[src*='search.js']")
            # Never blocks the page (async: on the search page it starts the Worker before the styles are
            # in); lunr.js and the index load only when needed.
            assert script is not None and script.has_attr("async")
            assert not soup.select("script[src*=lunr], link[href*=search-index]")


def test_search_page_degrades_and_speaks_spanish(sample_site: Path) -> None:
    soup = parse_html(sample_site / "es" / "search" / "index.html")
    page = soup.select_one("#search-page")
    assert "JavaScript" in page.select_one("noscript").get_text()
    assert page.select_one("form.search-page-form").has_attr("hidden")  # shown by search.js
    label = page.select_one("label[for=search-page-input]").get_text()
    assert label == "Buscar compromisos, temas, eventos e historias"
    status = page.select_one("#search-status")
    assert status["role"] == "status" and status["aria-live"] == "polite"
    assert page["data-msg-many"] == "{count} resultados para «{query}»."
    assert page["data-label-commitment"] == "Compromiso"
    assert (sample_site / "assets" / "search-core.js").is_file() and (sample_site / "assets" / "search.css").is_file()


def _search_files(model, context):  # type: ignore[no-untyped-def]
    result = search.SearchStage().run(model, context)
    return result.files, result.problems


def test_words_are_analysed_once_across_builds(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ogpsite.incremental.stage_cache import StageCache
    from ogpsite.stages import StageContext

    def computed(cache: StageCache) -> dict[str, int]:
        """How many values the run computed: documents analysed per language, languages indexed."""
        return {namespace: len(values) for namespace, values in cache.take_delta().computed.items()}

    settings = settings_for(ROOT, tmp_path / "site")
    first = StageCache()
    files, problems = _search_files(model, StageContext(settings, "/", first))
    assert problems == [] and first.hits == 0
    documents = {lang: len(search.documents_for(model, lang)) for lang in ("en", "es")}
    assert first.misses == sum(documents.values()) + 2  # every document analysed, both languages indexed
    assert computed(first) == {"search-terms-en": documents["en"], "search-terms-es": documents["es"], "search-files": 2}

    second = StageCache(first.current)
    again, _ = _search_files(model, StageContext(settings, "/", second))
    assert again == files  # the same bytes, kept
    assert (second.hits, second.misses) == (2, 0)  # both languages' files, nothing analysed again

    terms = StageCache({namespace: values for namespace, values in first.current.items() if namespace != "search-files"})
    again, _ = _search_files(model, StageContext(settings, "/", terms))
    assert again == files  # the same bytes from cached terms
    assert (terms.hits, terms.misses) == (sum(documents.values()), 2)  # indexed again, no word analysed again

    ar0090 = model.by_key[("commitments", "ar0090")]
    original = ar0090.texts["en"]
    ar0090.texts["en"] = dataclasses.replace(original, title="Federal Zebra Program")
    third = StageCache(terms.current)
    try:
        changed, _ = _search_files(model, StageContext(settings, "/", third))
    finally:
        ar0090.texts["en"] = original  # the model is shared by this module's tests
    assert third.misses == 2  # its English document, and so the English files
    assert computed(third) == {"search-terms-en": 1, "search-files": 1}  # the Spanish files are kept
    manifest = json.loads(changed[f"en/{search.INDEX_FILE}"])
    assert "zebra" in changed[f"en/{manifest['vocabulary']}"].decode("utf-8").split("\n")
    # Content-hashed names: the texts of the other groups of records keep theirs.
    before = json.loads(files[f"en/{search.INDEX_FILE}"])["texts"]["names"]
    assert len(before) == len(manifest["texts"]["names"])
    assert sum(a != b for a, b in zip(before, manifest["texts"]["names"], strict=True)) <= 1


def test_the_search_parts_together_write_what_one_stage_writes(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """DEFAULT_STAGES indexes the languages in two stages (two cores); together they write the
    very files one stage for every language writes, each language in one part only, and the
    browser libraries once."""
    from ogpsite.incremental.stage_cache import StageCache
    from ogpsite.stages import DEFAULT_STAGES, StageContext

    settings = settings_for(ROOT, tmp_path / "site")
    whole = search.SearchStage().run(model, StageContext(settings, "/", StageCache())).files
    parts = [stage for stage in DEFAULT_STAGES if isinstance(stage, search.SearchStage)]
    assert [(stage.name, stage.languages(model)) for stage in parts] == [("search", ["en"]), ("search-2", ["es"])]
    files = [stage.run(model, StageContext(settings, "/", StageCache())).files for stage in parts]
    assert not files[0].keys() & files[1].keys()
    assert {**files[0], **files[1]} == whole
    assert all(name.startswith(("en/", "assets/")) for name in files[0])
    assert all(name.startswith(("es/", "assets/search/es-")) for name in files[1])
    with pytest.raises(ValueError, match="part 2 of 2"):
        search.SearchStage(2, 2)


# --- the shards ---------------------------------------------------------------------------------


@needs_lunr_es
def test_shards_hold_exactly_the_whole_index(model) -> None:  # type: ignore[no-untyped-def]
    """Decoded as search-core.js decodes them, the shards and field lengths give back lunr's whole
    index: every posting with its term index (numbered by first occurrence, as lunr's Builder
    numbers terms), every field-vector entry with its very score (lunr's BM25 from the term
    frequencies and field lengths, its operations in lunr's order)."""
    assert LUNR_ES is not None
    built = search.build_language(model, "es", LUNR_ES)
    whole = built.index
    split = built.split(target=2_000)
    manifest = split.manifest
    assert len(manifest["shards"]["names"]) > 10
    fields = manifest["fields"]
    count, boosts, k1, b = manifest["count"], manifest["boosts"], manifest["bm25"]["k1"], manifest["bm25"]["b"]
    lengths = json.loads(split.files[manifest["lengths"]["file"]])
    averages = [total / count for total in manifest["lengths"]["sums"]]
    entries = []
    for name in manifest["shards"]["names"]:
        data = split.files[f"{search.SHARD_DIR}/{name}.json"]
        assert name == hashlib.sha256(data).hexdigest()[:12]  # named by content
        entries += json.loads(data)

    def first_occurrence(entry: list) -> tuple[int, int, int]:
        return (*min((entry[k + 1][0], entry[k]) for k in range(2, len(entry), 3)), entry[1])

    inverted: dict[str, dict] = {}
    vectors: dict[str, list[tuple[int, float]]] = {}
    for index, entry in enumerate(sorted(entries, key=first_occurrence)):
        term, _, postings = search.decode_entry(entry)
        posting: dict = {field: {} for field in fields}
        posting["_index"] = index
        for f, (docs, _) in postings.items():
            for doc in docs:
                posting[fields[f]][str(doc)] = {}
        df = sum(len(docs) for docs, _ in postings.values())
        idf = math.log(1 + abs((count - df + 0.5) / (df + 0.5)))  # lunr.idf
        for f, (docs, tfs) in postings.items():
            for doc, tf in zip(docs, tfs, strict=True):
                length = lengths[f][doc]
                score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length / averages[f])) + tf) * boosts[f]
                vectors.setdefault(f"{fields[f]}/{doc}", []).append((index, round(score, 3)))
        inverted[term] = posting
    assert [[term, inverted[term]] for term in sorted(inverted)] == whole["invertedIndex"]
    non_empty = [[ref, elements] for ref, elements in whole["fieldVectors"] if elements]
    rebuilt = {ref: [x for pair in sorted(pairs) for x in pair] for ref, pairs in vectors.items()}
    assert [[ref, rebuilt[ref]] for ref, _ in non_empty] == non_empty and len(rebuilt) == len(non_empty)


def test_shards_are_cut_near_their_target_size() -> None:
    terms = [f"t{i:04d}" for i in range(500)]
    entries = [json.dumps([term, i, 0, [1] * (i % 7 + 1), [5] * (i % 7 + 1)]) for i, term in enumerate(terms)]
    shards = search.cut_shards(terms, entries, target=1_000)
    assert [shard.first for shard in shards] == sorted(shard.first for shard in shards)
    assert [term for shard in shards for term, *_ in json.loads(shard.data)] == terms
    assert all(len(shard.data) < 1_000 + max(map(len, entries)) + 2 for shard in shards)
    assert len(shards) > 10 and len({shard.name for shard in shards}) == len(shards)


@needs_lunr_es
def test_split_needs_documents_numbered_in_order(model) -> None:  # type: ignore[no-untyped-def]
    assert LUNR_ES is not None
    built = search.build_language(model, "en", LUNR_ES)
    built.documents[0] = dataclasses.replace(built.documents[0], ref="first")
    with pytest.raises(ValueError, match="numbered"):
        built.split()


def test_a_lazy_sequence_gets_an_item_only_when_it_is_asked_for() -> None:
    from ogpsite.stages.search.lazy import LazySequence

    class Squares(LazySequence[int]):
        def __init__(self) -> None:
            self.made: list[int] = []

        def __len__(self) -> int:
            return 5

        def _get(self, n: int) -> int:
            self.made.append(n)
            return n * n

    squares = Squares()
    assert squares[2] == 4 and squares[-1] == 16 and squares.made == [2, 4]
    assert squares[1:4] == [1, 4, 9] and list(squares) == [0, 1, 4, 9, 16]
    for wrong in (5, -6):
        with pytest.raises(IndexError):
            squares[wrong]
    assert 9 in squares and squares.index(9) == 3
