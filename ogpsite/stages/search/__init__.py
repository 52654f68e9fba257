"""Search stage: a prebuilt lunr 2.x index per language, the store its results show, and the
browser libraries that query it.

Writes, per language, what a lunr.js 2.3.9 index is made of, cut into shards by term (shards.py: the
manifest `{lang}/search-index.json`, the shards of term frequencies, the field lengths, and each
record's result text), of which the browser fetches only what a query needs, scores as lunr's
Builder would and gives `lunr.Index.load` as one small index that scores exactly as the whole would;
`assets/vendor/` (copied from ogpsite/vendor/, the libraries vendored from the pinned npm and PyPI
packages, plus lunr.es's word lists: vendor.py); and the search Worker of each language, those
scripts and ours in one file (`assets/search/{lang}-<hash>.js`, which the manifest names).

Index and query must turn every word into the same term, so both sides run the same steps in the
same order; the index names them in its "pipeline" and lunr.js runs the functions registered under
those labels (lunr.js registers its own; assets/search-core.js registers ours and lunr.es's two, from
the word lists the build read from lunr.es.js):

    en: ogpsite-fold, trimmer, stopWordFilter, ogpsite-stemmer-en
    es: trimmer-es, stopWordFilter-es, ogpsite-fold, ogpsite-stemmer-es

Accents are folded *before* stemming, so `participación` and `participacion` reach the stemmer as
the same string and accent-insensitivity holds by construction. That needs a stemmer that handles
accent-free Spanish: lunr.es's (an older Snowball) leaves `participacion` alone, current Snowball
stems it to `particip`. So both languages are stemmed by Snowball 3 on both sides: snowballstemmer
in Python, and the Snowball-generated JavaScript that Sphinx ships (vendored) in the browser. (lunr.js's own
Porter stemmer is not used: Python lunr's port of it differs, `day` becomes `dai` there and stays
`day` in lunr.js.) The Spanish word characters and stop words are read from the installed lunr.es
itself, so the lists cannot drift.

The modules: analysis.py (words into terms), documents.py (what is indexed and shown), index.py (the
term frequencies of one language, and lunr's whole index with its scores: the reference), shards.py
(the files they are cut into), patch.py (those files patched after an edit), vendor.py (the browser
libraries) and stage.py (SearchStage).
"""

from ogpsite.stages.search.analysis import (
    ANALYSIS_VERSION,
    ENGLISH_STOP_WORDS,
    SEPARATOR,
    AnalysedFields,
    Analyzer,
    LunrSpanish,
    Step,
    analyzer_for,
    english_steps,
    fold,
    plain_steps,
    read_lunr_spanish,
    spanish_steps,
    tokenize,
)
from ogpsite.stages.search.documents import (
    FIELDS,
    SNIPPET_CHARS,
    BorrowedNames,
    SearchDocument,
    SearchDocuments,
    borrowed_names,
    document_source,
    documents_for,
    search_records,
    snippet,
)
from ogpsite.stages.search.index import (
    DOCUMENT_DIGESTS,
    INDEX_FILE,
    LANGUAGE_FILES,
    DocumentDigests,
    LanguageFiles,
    LanguageIndex,
    ScoredIndex,
    _json,
    analyse_document,
    build_index,
    build_language,
    document_digest,
    document_digests,
    index_files,
    lunr_json,
    score_index,
    term_entries,
)
from ogpsite.stages.search.patch import PATCH_LIMIT, patch_index
from ogpsite.stages.search.shards import (
    LENGTH_DIR,
    MANIFEST_VERSION,
    SHARD_BYTES,
    SHARD_DIR,
    TEXT_DIR,
    TEXT_GROUP,
    Cutter,
    Shard,
    SplitIndex,
    cut_shards,
    decode_entry,
    encode_entry,
    entry_of,
    repatch_shards,
    site_terms,
    split_index,
    with_worker,
)
from ogpsite.stages.search.stage import SearchStage, language_files
from ogpsite.stages.search.vendor import (
    BUNDLE_DIR,
    CORE_SCRIPT,
    DEFAULT_SCRIPTS,
    LUNR_ES_WORDS,
    NODE_MODULES_ENV,
    SCRIPTS,
    VENDOR_DIR,
    VENDOR_FILES,
    VENDORED,
    WORKER_SCRIPT,
    VendorFile,
    WorkerBundle,
    lunr_es_words,
    node_modules_dirs,
    npm_file,
    script_urls,
    vendor_files,
    worker_bundle,
)

__all__ = [
    "ANALYSIS_VERSION",
    "BUNDLE_DIR",
    "CORE_SCRIPT",
    "DEFAULT_SCRIPTS",
    "DOCUMENT_DIGESTS",
    "ENGLISH_STOP_WORDS",
    "FIELDS",
    "INDEX_FILE",
    "LANGUAGE_FILES",
    "LENGTH_DIR",
    "LUNR_ES_WORDS",
    "MANIFEST_VERSION",
    "NODE_MODULES_ENV",
    "PATCH_LIMIT",
    "SCRIPTS",
    "SEPARATOR",
    "SHARD_BYTES",
    "SHARD_DIR",
    "SNIPPET_CHARS",
    "TEXT_DIR",
    "TEXT_GROUP",
    "VENDORED",
    "VENDOR_DIR",
    "VENDOR_FILES",
    "WORKER_SCRIPT",
    "AnalysedFields",
    "Analyzer",
    "BorrowedNames",
    "Cutter",
    "DocumentDigests",
    "LanguageFiles",
    "LanguageIndex",
    "LunrSpanish",
    "ScoredIndex",
    "SearchDocument",
    "SearchDocuments",
    "SearchStage",
    "Shard",
    "SplitIndex",
    "Step",
    "VendorFile",
    "WorkerBundle",
    "_json",
    "analyse_document",
    "analyzer_for",
    "borrowed_names",
    "build_index",
    "build_language",
    "cut_shards",
    "decode_entry",
    "document_digest",
    "document_digests",
    "document_source",
    "documents_for",
    "encode_entry",
    "english_steps",
    "entry_of",
    "fold",
    "index_files",
    "language_files",
    "lunr_es_words",
    "lunr_json",
    "node_modules_dirs",
    "npm_file",
    "patch_index",
    "plain_steps",
    "read_lunr_spanish",
    "repatch_shards",
    "score_index",
    "script_urls",
    "search_records",
    "site_terms",
    "snippet",
    "spanish_steps",
    "split_index",
    "term_entries",
    "tokenize",
    "vendor_files",
    "with_worker",
    "worker_bundle",
]
