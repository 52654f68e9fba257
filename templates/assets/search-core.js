/*
 * Search logic without the page: the pipeline functions the prebuilt indexes name, query
 * building and highlighting. Loaded after lunr.js (and, for Spanish, lunr.es and the Snowball
 * stemmer); tests/node/ runs this very file under Node against the built site.
 *
 * The index's "pipeline" lists the labels its terms were made with (see ogpsite/search.py):
 *   en: ogpsite-fold, trimmer, stopWordFilter, ogpsite-stemmer-en
 *   es: trimmer-es, stopWordFilter-es, ogpsite-fold, ogpsite-stemmer-es
 * lunr.js and lunr.es register theirs; this file registers the ogpsite-* ones, the stemmers being
 * Snowball's generated JavaScript (snowball/*-stemmer.js), as snowballstemmer is in Python.
 */
(function (root) {
  "use strict";

  var lunr = root.lunr;
  var COMBINING = /[\u0300-\u036f]/g;
  var SYNTAX = /(^|[\s])[+\-]|[*~^:]/; // lunr query operators: +word -word word* word~1 word^2 field:word
  var MIN_PREFIX = 3; // shorter words are not completed as you type: too many terms match
  var MAX_CLAUSES = 30;

  /* é→e, ñ→n, ü→u: the same as ogpsite.search.fold in Python. */
  function fold(text) {
    return text.normalize("NFD").replace(COMBINING, "").normalize("NFC");
  }

  function register() {
    if (!lunr.Pipeline.registeredFunctions["ogpsite-fold"]) {
      lunr.Pipeline.registerFunction(function (token) {
        return token.update(function (s) { return fold(s); });
      }, "ogpsite-fold");
    }
    registerStemmer("ogpsite-stemmer-en", root.EnglishStemmer);
    registerStemmer("ogpsite-stemmer-es", root.SpanishStemmer);
  }

  function registerStemmer(label, Stemmer) {
    if (lunr.Pipeline.registeredFunctions[label] || typeof Stemmer !== "function") {
      return;
    }
    var stemmer = new Stemmer();
    lunr.Pipeline.registerFunction(function (token) {
      return token.update(function (s) { return stemmer.stemWord(s); });
    }, label);
  }

  /* An engine: the lunr index (loaded, never rebuilt) and the document store. */
  function load(indexData, store) {
    register();
    var index = lunr.Index.load(indexData);
    var cache = new Map();
    var sorted = null; // the index's terms in order, made on the first prefix search
    return {
      index: index,
      store: store,
      docs: store.docs,
      isTerm: function (term) {
        return Object.prototype.hasOwnProperty.call(index.invertedIndex, term);
      },
      /* Whether some term of the index begins with `prefix` (binary search). */
      hasPrefix: function (prefix) {
        if (sorted === null) sorted = Object.keys(index.invertedIndex).sort();
        var low = 0, high = sorted.length;
        while (low < high) {
          var mid = (low + high) >>> 1;
          if (sorted[mid] < prefix) low = mid + 1;
          else high = mid;
        }
        return low < sorted.length && sorted[low].lastIndexOf(prefix, 0) === 0;
      },
      /* The terms a typed word becomes: exactly what the index holds for that word. */
      terms: function (word) {
        var key = word.toLowerCase();
        var found = cache.get(key);
        if (found === undefined) {
          found = index.pipeline.runString(key).filter(function (term) { return term.length > 0; });
          cache.set(key, found);
        }
        return found;
      }
    };
  }

  function words(text) {
    return text.toLowerCase().split(lunr.tokenizer.separator).filter(function (w) { return w.length > 0; });
  }

  function run(engine, clauses) {
    return engine.index.query(function (query) {
      clauses.forEach(function (clause) { query.clause(Object.assign({}, clause)); });
    });
  }

  /* The beginning to complete for a word being typed. Half a word often stems past the term the
     whole word has ("participac" → the index has "particip", "transparen" → "transpar"), so a
     term that begins the stem, at most three letters shorter, wins; then the stem itself if some
     term begins with it ("tsach" → tsachil); then any shorter term that begins it. */
  function typedPrefix(engine, stem) {
    var shortest = Math.max(MIN_PREFIX, stem.length - 3);
    var n;
    for (n = stem.length; n >= shortest; n--) {
      if (engine.isTerm(stem.slice(0, n))) return stem.slice(0, n);
    }
    if (engine.hasPrefix(stem)) return stem;
    for (n = shortest - 1; n >= MIN_PREFIX; n--) {
      if (engine.isTerm(stem.slice(0, n))) return stem.slice(0, n);
    }
    return stem;
  }

  /* Plain words: every word must match (prefix-matching the last one while it is being typed);
     when no record has them all, records with any of them. */
  function plainSearch(engine, text) {
    var groups = words(text).map(function (w) { return engine.terms(w); });
    var typing = !/\s$/.test(text);
    var clauses = [];
    groups.forEach(function (terms, i) {
      var last = i === groups.length - 1;
      terms.forEach(function (term) {
        var prefix = last && typing && term.length >= MIN_PREFIX;
        clauses.push({
          term: prefix ? typedPrefix(engine, term) : term,
          usePipeline: false,
          wildcard: prefix ? lunr.Query.wildcard.TRAILING : lunr.Query.wildcard.NONE
        });
      });
    });
    clauses = clauses.slice(0, MAX_CLAUSES);
    if (clauses.length === 0) {
      return { status: "short", results: [] };
    }
    var required = clauses.map(function (c) { return Object.assign({ presence: lunr.Query.presence.REQUIRED }, c); });
    var results = run(engine, required);
    if (results.length > 0 || clauses.length === 1) {
      return { status: "all", results: results };
    }
    return { status: "any", results: run(engine, clauses) };
  }

  /* Text with lunr operators: parsed by lunr's own parser; its errors become a hint. */
  function syntaxSearch(engine, text) {
    var query = new lunr.Query(engine.index.fields);
    try {
      new lunr.QueryParser(text, query).parse();
    } catch (error) {
      if (error instanceof lunr.QueryParseError) {
        return { status: "syntax", results: [] };
      }
      throw error;
    }
    var clauses = [];
    query.clauses.forEach(function (clause) {
      if (clause.usePipeline) {
        clauses.push(clause);
        return;
      }
      // Wildcard terms skip the pipeline; fold them so `participació*` matches like `participacio*`.
      var term = fold(clause.term);
      if (term.replace(/\*/g, "").length < 2) {
        return; // `*` or `a*` would match every term
      }
      clauses.push(Object.assign({}, clause, { term: term }));
    });
    if (clauses.length === 0) {
      return { status: "short", results: [] };
    }
    return { status: "all", results: run(engine, clauses.slice(0, MAX_CLAUSES)) };
  }

  /* Never throws for what a reader types: returns {status, results}, where status is
     "empty", "all", "any" (no record has every word), "short" (nothing searchable) or "syntax". */
  function search(engine, text) {
    text = String(text || "");
    if (!text.trim()) {
      return { status: "empty", results: [] };
    }
    try {
      return SYNTAX.test(text) ? syntaxSearch(engine, text) : plainSearch(engine, text);
    } catch (error) {
      if (error instanceof lunr.QueryParseError) {
        return { status: "syntax", results: [] };
      }
      throw error;
    }
  }

  /* The terms a result matched, to mark them in its title and snippet. */
  function matchedTerms(result) {
    return new Set(Object.keys(result.matchData.metadata));
  }

  /* Split text into [{text, mark}] pieces: a word is marked when it becomes a matched term. */
  function highlight(engine, text, terms) {
    var pieces = [];
    var pattern = /[^\s\-]+/g;
    var last = 0;
    var match;
    function push(piece, mark) {
      if (!piece) return;
      var previous = pieces[pieces.length - 1];
      if (previous && previous.mark === mark) {
        previous.text += piece;
      } else {
        pieces.push({ text: piece, mark: mark });
      }
    }
    while ((match = pattern.exec(text)) !== null) {
      push(text.slice(last, match.index), false);
      var word = match[0];
      var hit = engine.terms(word).some(function (term) { return terms.has(term); });
      if (hit) {
        // Mark the letters, not the punctuation around them.
        var inner = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/u.exec(word);
        push(inner[1], false);
        push(inner[2], true);
        push(inner[3], false);
      } else {
        push(word, false);
      }
      last = match.index + word.length;
    }
    push(text.slice(last), false);
    return pieces;
  }

  root.OgpSearch = {
    fold: fold,
    register: register,
    load: load,
    search: search,
    matchedTerms: matchedTerms,
    highlight: highlight
  };
})(typeof window !== "undefined" ? window : globalThis);
