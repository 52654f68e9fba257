/*
 * Search logic without the page: the pipeline functions the indexes name, query building and
 * highlighting. Loaded after lunr.js (for Spanish, lunr.es.words.js and the Snowball stemmer);
 * tests/node/ runs this very file under Node against the built site.
 *
 * The index is cut into shards by term (ogpsite/stages/search/shards.py); load() gives an engine
 * that fetches what a query needs, scores it as lunr's Builder would and hands lunr.Index.load one
 * small index, which scores exactly as the whole index (tests/test_search_parity.py).
 *
 * The index's "pipeline" names the functions its terms were made with (ogpsite/stages/search/):
 *   en: ogpsite-fold, trimmer, stopWordFilter, ogpsite-stemmer-en
 *   es: trimmer-es, stopWordFilter-es, ogpsite-fold, ogpsite-stemmer-es
 * lunr.js registers its own; this file the ogpsite-* ones (Snowball's generated stemmers, as
 * snowballstemmer in Python) and lunr.es's two, from the word characters and stop words the build
 * read from lunr.es.js (OgpLunrEs, lunr.es.words.js).
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

  /* Registers, once, a pipeline function that maps each token's string with `map`. */
  function registerMap(label, map) {
    if (!lunr.Pipeline.registeredFunctions[label]) {
      lunr.Pipeline.registerFunction(function (token) {
        return token.update(function (s) { return map(s); });
      }, label);
    }
  }

  function register() {
    registerMap("ogpsite-fold", fold);
    registerStemmer("ogpsite-stemmer-en", root.EnglishStemmer);
    registerStemmer("ogpsite-stemmer-es", root.SpanishStemmer);
    registerLunrEs(root.OgpLunrEs);
  }

  /* lunr.es's `trimmer-es` and `stopWordFilter-es`, made as lunr.es makes them (with
     lunr.trimmerSupport.generateTrimmer, which adds the ASCII digits, and lunr's own
     generateStopWordFilter), without loading lunr.es: its stemmer is not used. */
  function registerLunrEs(words) {
    if (!words) return;
    var characters = words.wordCharacters + "0-9";
    var start = new RegExp("^[^" + characters + "]+");
    var end = new RegExp("[^" + characters + "]+$");
    registerMap("trimmer-es", function (s) { return s.replace(start, "").replace(end, ""); });
    if (!lunr.Pipeline.registeredFunctions["stopWordFilter-es"]) {
      lunr.Pipeline.registerFunction(lunr.generateStopWordFilter(words.stopWords), "stopWordFilter-es");
    }
  }

  function registerStemmer(label, Stemmer) {
    if (typeof Stemmer === "function" && !lunr.Pipeline.registeredFunctions[label]) {
      var stemmer = new Stemmer();
      registerMap(label, function (s) { return stemmer.stemWord(s); });
    }
  }

  /* Thrown while a query needs files not fetched yet; search() fetches them and runs it again, so
     the search logic stays synchronous, as lunr is. */
  function Missing(shards, vocabulary) {
    this.shards = shards;
    this.vocabulary = vocabulary;
  }

  /* Whether lunr may expand this clause beyond one contiguous run of the sorted terms: fuzzy, or a
     wildcard anywhere but at the end. Those queries need every term (the vocabulary file). */
  function needsVocabulary(clause) {
    return "editDistance" in clause || clause.term.replace(/\*+$/, "").indexOf("*") >= 0;
  }

  /* Where `key` is, or would be, in `sorted`. */
  function lowerBound(sorted, key) {
    var low = 0, high = sorted.length;
    while (low < high) {
      var mid = (low + high) >>> 1;
      if (sorted[mid] < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /* Entries: [term, rank, field, [document gaps], [term frequencies], field, ...]. lunr numbers a
     term where it first occurs: lowest document, lowest field there, its rank in that field. */
  function firstOccurs(a, b) {
    function first(entry) {
      for (var doc = Infinity, field = 0, k = 2; k < entry.length; k += 3) {
        if (entry[k + 1][0] < doc) { doc = entry[k + 1][0]; field = entry[k]; }
      }
      return [doc, field, entry[1]];
    }
    var x = first(a), y = first(b);
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  }

  /* An engine for one language: the manifest ({lang}/search-index.json, see
     ogpsite/stages/search/shards.py), and `fetch(path, asText)` for the files it names (a promise
     of parsed JSON, or text). Shards and result texts are fetched when a query needs them. */
  function load(manifest, fetch) {
    register();
    var fields = manifest.fields;
    var width = fields.length;
    var first = manifest.shards.first;
    var pipeline = lunr.Pipeline.load(manifest.pipeline);
    var count = manifest.count, boosts = manifest.boosts, k1 = manifest.bm25.k1, b = manifest.bm25.b;
    var averages = manifest.lengths.sums.map(function (sum) { return sum / count; }); // as lunr's
    var lengths = null; // [[field 0's length in each document], [field 1's], ...]
    var shards = []; // shard number -> {terms: sorted terms, entries: term -> entry}
    var pending = new Map(); // file -> promise
    var texts = []; // document number -> result text
    var vocabulary = null; // lunr.TokenSet of every term, for fuzzy and inner wildcards
    var indexes = new Map(); // the small lunr indexes built, by the shards they hold
    var cache = new Map();

    function shardOf(term) {
      var low = 0, high = first.length - 1;
      while (low < high) {
        var mid = (low + high + 1) >>> 1;
        if (first[mid] <= term) low = mid;
        else high = mid - 1;
      }
      return low;
    }

    function loaded(number) {
      var shard = shards[number];
      if (!shard) throw new Missing([number], false);
      return shard;
    }

    function once(url, asText, then) {
      if (!pending.has(url)) {
        pending.set(url, fetch(url, asText).then(then, function (error) { pending.delete(url); throw error; }));
      }
      return pending.get(url);
    }

    function fetchShard(number) {
      return once(manifest.shards.dir + manifest.shards.names[number] + ".json", false, function (entries) {
        var map = new Map();
        entries.forEach(function (entry) { map.set(entry[0], entry); });
        shards[number] = { terms: entries.map(function (entry) { return entry[0]; }), entries: map };
      });
    }

    function fetchVocabulary() {
      return once(manifest.vocabulary, true, function (text) {
        vocabulary = lunr.TokenSet.fromArray(text ? text.split("\n") : []);
      });
    }

    function fetchLengths() {
      return once(manifest.lengths.file, false, function (columns) { lengths = columns; });
    }
    // fetched at once (most queries reach most documents), and again by fetchMissing if this fails
    fetchLengths().catch(function () {});

    /* Adds the terms a clause (one term, as lunr's query sees it) reaches in the whole index, or
       throws Missing. Fuzzy and inner wildcards: lunr's own expansion over the vocabulary. */
    function termsFor(clause, into) {
      var found = [clause.term], prefix = null, numbers;
      if (needsVocabulary(clause)) {
        if (vocabulary === null) throw new Missing([], true);
        found = vocabulary.intersect(lunr.TokenSet.fromClause(clause)).toArray();
      } else if (/\*$/.test(clause.term)) {
        prefix = clause.term.replace(/\*+$/, "");
        numbers = [];
        for (var n = shardOf(prefix), last = shardOf(prefix + "\uffff"); n <= last; n++) numbers.push(n);
      }
      numbers = numbers || found.map(shardOf);
      var missing = numbers.filter(function (number) { return !shards[number]; });
      if (missing.length) throw new Missing(missing, false);
      if (prefix === null) {
        found.forEach(function (term) { if (shards[shardOf(term)].entries.has(term)) into.add(term); });
      } else {
        numbers.forEach(function (number) {
          var terms = shards[number].terms;
          for (var at = lowerBound(terms, prefix); at < terms.length && terms[at].lastIndexOf(prefix, 0) === 0; at++) into.add(terms[at]);
        });
      }
    }

    /* lunr.idf(posting, count) for a term's entry: lunr counts the (field, document) pairs of its
       posting, which are the entry's document gaps. */
    function idfOf(entry) {
      for (var pairs = 0, k = 2; k < entry.length; k += 3) pairs += entry[k + 1].length;
      return Math.log(1 + Math.abs((count - pairs + 0.5) / (pairs + 0.5)));
    }

    /* A term's entry in one field of one document, as lunr's Builder.createFieldVectors scores it,
       operation for operation: the very double. */
    function fieldScore(idf, f, tf, doc) {
      var score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (lengths[f][doc] / averages[f])) + tf);
      score *= boosts[f];
      return Math.round(score * 1000) / 1000;
    }

    /* lunr's JSON for these sorted terms, numbered in the whole index's order, their field vectors
       scored as lunr's Builder does. The other terms would add nothing to a score (the query vector
       holds only these). With `keep` (a flag per document), only those documents are in it: a
       document's scores depend on its own entries only, so theirs are unchanged. */
    function lunrJSON(terms, negated, keep) {
      if (!lengths) throw new Missing([], false);
      var entries = terms.map(function (term) { return shards[shardOf(term)].entries.get(term); });
      var postings = new Map();
      entries.forEach(function (entry) {
        var posting = {};
        fields.forEach(function (field) { posting[field] = {}; });
        for (var k = 2; k < entry.length; k += 3) {
          for (var j = 0, doc = 0, gaps = entry[k + 1]; j < gaps.length; j++) {
            doc += gaps[j];
            if (!keep || keep[doc]) posting[fields[entry[k]]][doc] = {};
          }
        }
        postings.set(entry[0], posting);
      });
      var vectors = new Map(); // document * width + field -> [term index, score, ...]
      entries.slice().sort(firstOccurs).forEach(function (entry, termIndex) { // ascending, as lunr's vectors
        postings.get(entry[0])._index = termIndex;
        var idf = idfOf(entry);
        for (var k = 2; k < entry.length; k += 3) {
          var f = entry[k], tfs = entry[k + 2];
          for (var j = 0, doc = 0, gaps = entry[k + 1]; j < gaps.length; j++) {
            doc += gaps[j];
            if (keep && !keep[doc]) continue;
            var at = doc * width + f;
            if (!vectors.has(at)) vectors.set(at, []);
            vectors.get(at).push(termIndex, fieldScore(idf, f, tfs[j], doc));
          }
        }
      });
      var refs = Array.from(vectors.keys()).sort(function (x, y) { return x - y; });
      if (negated) { // a query of - clauses only lists every document: lunr walks all field vectors
        for (var n = refs.length = 0; n < count * width; n++) refs.push(n);
      }
      return {
        version: manifest.lunr,
        fields: fields,
        fieldVectors: refs.map(function (at) { return [fields[at % width] + "/" + Math.floor(at / width), vectors.get(at) || []]; }),
        invertedIndex: terms.map(function (term) { return [term, postings.get(term)]; }), // sorted, as lunr.Index.load needs
        pipeline: manifest.pipeline
      };
    }

    /* The terms each clause reaches in the whole index, or Missing naming every file they need
       (one round trip); `clauses` as lunr's Query completes them (fields, boost, wildcard stars). */
    function reach(clauses) {
      var reached = new Set();
      var perClause = [];
      var missing = new Missing([], false);
      var normal = new lunr.Query(fields); // lunr's defaults and wildcard stars, as index.query adds them
      clauses.forEach(function (clause) { normal.clause(Object.assign({}, clause)); });
      normal.clauses.forEach(function (clause) {
        var own = new Set();
        perClause.push(own);
        var terms = clause.usePipeline ? pipeline.runString(clause.term, { fields: clause.fields }) : [clause.term];
        terms.forEach(function (term) {
          try {
            termsFor(Object.assign({}, clause, { term: term }), own);
          } catch (error) { // every clause's, for one round trip
            if (!(error instanceof Missing)) throw error;
            error.shards.forEach(function (n) { if (missing.shards.indexOf(n) < 0) missing.shards.push(n); });
            missing.vocabulary = missing.vocabulary || error.vocabulary;
          }
        });
        own.forEach(function (term) { reached.add(term); });
      });
      if (missing.shards.length || missing.vocabulary) throw missing;
      return { clauses: normal.clauses, perClause: perClause, reached: reached };
    }

    /* A clause as plain search makes it: one term, exact or completed at its end, in every field,
       boost 1, not prohibited. */
    function plain(clause) {
      return !clause.usePipeline && !("editDistance" in clause) && clause.boost === 1 && clause.fields.length === width &&
        clause.presence !== lunr.Query.presence.PROHIBITED && clause.term.replace(/\*+$/, "").indexOf("*") < 0;
    }

    /* Which documents lunr's query of plain clauses (`perClause`: the terms each reaches) can rank
       among the first `count`, and how many it matches (`total`). For such clauses lunr adds each
       reached term to every field's query vector once per clause reaching it, with weight 1, so
       every field's query vector is the same and a document's score is one constant times the sum,
       over its fields and the reached terms, of weight × its field-vector entry. That sum is
       computed here from the shards (fieldScore, as lunrJSON), without building lunr's objects.
       lunr matches a document that has a posting of a reached term; with `required`, one of every
       clause's terms. `keep` flags the matches whose sum is at least the `count`-th largest, less
       a margin far above the rounding of a sum of doubles, so ties and near-ties come along: every
       document left out then scores below every document kept, and lunr's answer on the kept
       ones (same scores, same stable order) is the beginning of its whole answer. */
    function topDocuments(perClause, required, count) {
      var weights = new Map(), masks = new Map();
      perClause.forEach(function (own, n) {
        own.forEach(function (term) {
          weights.set(term, (weights.get(term) || 0) + 1);
          masks.set(term, (masks.get(term) || 0) | (1 << n));
        });
      });
      var sums = new Float64Array(count > 0 ? manifest.count : 0);
      var held = new Int32Array(sums.length), all = (1 << perClause.length) - 1;
      var matched = [];
      weights.forEach(function (weight, term) {
        var entry = shards[shardOf(term)].entries.get(term), idf = idfOf(entry), mask = masks.get(term);
        for (var k = 2; k < entry.length; k += 3) {
          var f = entry[k], tfs = entry[k + 2];
          for (var j = 0, doc = 0, gaps = entry[k + 1]; j < gaps.length; j++) {
            doc += gaps[j];
            if (held[doc] === 0) matched.push(doc);
            held[doc] |= mask;
            sums[doc] += weight * fieldScore(idf, f, tfs[j], doc);
          }
        }
      });
      if (required) matched = matched.filter(function (doc) { return held[doc] === all; });
      var keep = new Uint8Array(sums.length);
      function leading(n) { // the n kept documents with the largest sums, as refs
        var kept = matched.filter(function (doc) { return keep[doc]; });
        kept.sort(function (x, y) { return sums[y] - sums[x] || x - y; });
        return kept.slice(0, n).map(String);
      }
      if (matched.length <= count) {
        matched.forEach(function (doc) { keep[doc] = 1; });
        return { total: matched.length, size: matched.length, keep: keep, leading: leading };
      }
      var ranked = Float64Array.from(matched, function (doc) { return sums[doc]; }).sort();
      var bar = ranked[ranked.length - count];
      bar -= Math.abs(bar) * 1e-9 + 1e-12;
      var size = 0;
      matched.forEach(function (doc) {
        if (sums[doc] >= bar) { keep[doc] = 1; size++; }
      });
      return { total: matched.length, size: size, keep: keep, leading: leading };
    }

    function runLunr(index, clauses) {
      return index.query(function (query) {
        clauses.forEach(function (clause) { query.clause(Object.assign({}, clause)); });
      });
    }

    function indexOf(terms, negated) {
      var key = terms.join("\n") + (negated ? "\n-" : "");
      var index = indexes.get(key);
      if (index) return index;
      index = lunr.Index.load(lunrJSON(terms, negated));
      if (indexes.size > 20) indexes.delete(indexes.keys().next().value);
      indexes.set(key, index);
      return index;
    }

    return {
      manifest: manifest,
      fields: fields,
      Missing: Missing,
      /* Throws Missing naming, at once, every unfetched shard these terms live in and, for each of
         `prefixes` (optional), every shard holding terms that begin with it, so one round trip
         fetches them all. */
      require: function (terms, prefixes) {
        var missing = [];
        function want(number) {
          if (!shards[number] && missing.indexOf(number) < 0) missing.push(number);
        }
        terms.forEach(function (term) { want(shardOf(term)); });
        (prefixes || []).forEach(function (prefix) {
          for (var n = shardOf(prefix), last = shardOf(prefix + "\uffff"); n <= last; n++) want(n);
        });
        if (missing.length) throw new Missing(missing, false);
      },
      isTerm: function (term) {
        return loaded(shardOf(term)).entries.has(term);
      },
      /* Whether some term begins with `prefix` (in its shard, else the next shard's first). */
      hasPrefix: function (prefix) {
        var number = shardOf(prefix);
        var sorted = loaded(number).terms;
        var low = lowerBound(sorted, prefix);
        var next = low < sorted.length ? sorted[low] : first[number + 1];
        return next !== undefined && next.lastIndexOf(prefix, 0) === 0;
      },
      /* The terms a typed word becomes: exactly what the index holds for that word. */
      terms: function (word) {
        var key = word.toLowerCase();
        var found = cache.get(key);
        if (found === undefined) {
          found = pipeline.runString(key).filter(function (term) { return term.length > 0; });
          cache.set(key, found);
        }
        return found;
      },
      /* Runs lunr's query on an index of the terms its clauses reach (Missing if not fetched):
         there each clause expands to the very terms it would in the whole index. */
      query: function (clauses) {
        var reached = reach(clauses).reached;
        var negated = clauses.length > 0 && clauses.every(function (c) { return c.presence === lunr.Query.presence.PROHIBITED; });
        return runLunr(indexOf(Array.from(reached).sort(), negated), clauses);
      },
      /* The first `count` results of lunr's query (more where scores tie), and how many it has in
         all, for clauses as plain search makes them; null for others. lunr runs the query on an
         index of the documents that may rank among the first (topDocuments), which it answers with
         the very results, scores and order that begin the whole answer; `rest()` gives the whole
         answer (engine.query), for a reader who asks for more. Missing as query. With `early`
         ({count, refs}), refs(documents) is told first which `early.count` documents will most
         likely lead the answer (the largest sums), so their texts can be fetched while lunr runs. */
      best: function (clauses, count, early) {
        var reach_ = reach(clauses);
        if (!reach_.clauses.every(plain)) return null;
        if (!lengths) throw new Missing([], false); // their fetch failed: fetchMissing asks again
        var top = topDocuments(reach_.perClause, reach_.clauses[0].presence === lunr.Query.presence.REQUIRED, count);
        if (early && early.count > 0) early.refs(top.leading(early.count));
        // Every match kept: the whole index of these terms (kept for a later query), as query() makes it.
        var terms = Array.from(reach_.reached).sort();
        var index = top.total > top.size ? lunr.Index.load(lunrJSON(terms, false, top.keep)) : indexOf(terms, false);
        var results = runLunr(index, clauses);
        var engine = this;
        return { results: results, total: top.total, rest: function () { return engine.query(clauses); } };
      },
      /* Fetch what a Missing names. */
      fetchMissing: function (missing) {
        var waits = missing.shards.map(fetchShard).concat(fetchLengths());
        if (missing.vocabulary) waits.push(fetchVocabulary());
        return Promise.all(waits);
      },
      lunrJSON: lunrJSON, // for tests: with every file fetched, the whole index
      /* The result texts of these refs (kind k, title t, URL u, snippet s, ID i, language l). */
      texts: function (refs) {
        return Promise.all(refs.map(function (ref) {
          var number = Number(ref);
          if (!texts[number]) {
            var group = manifest.texts.names[Math.floor(number / manifest.texts.group)];
            texts[number] = fetch(manifest.texts.dir + group + "/" + number + ".json", false).catch(function (error) {
              texts[number] = undefined;
              throw error;
            });
          }
          return texts[number];
        }));
      }
    };
  }

  function words(text) {
    return text.toLowerCase().split(lunr.tokenizer.separator).filter(function (w) { return w.length > 0; });
  }

  /* The beginnings a typed stem may be completed from (typedPrefix), longest first. */
  function prefixCandidates(stem) {
    var candidates = [];
    for (var n = stem.length; n >= MIN_PREFIX; n--) candidates.push(stem.slice(0, n));
    return candidates;
  }

  /* The beginning to complete for a word being typed. Half a word often stems past the term the
     whole word has ("participac" → the index has "particip", "transparen" → "transpar"), so a
     term that begins the stem, at most three letters shorter, wins; then the stem itself if some
     term begins with it ("tsach" → tsachil); then any shorter term that begins it. */
  function typedPrefix(engine, stem) {
    var shortest = Math.max(MIN_PREFIX, stem.length - 3);
    var n;
    engine.require(prefixCandidates(stem));
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
     when no record has them all, records with any of them. With `count`, lunr answers the first
     `count` results at once and the rest when asked (engine.best). */
  function plainSearch(engine, text, count, early) {
    var groups = words(text).map(function (w) { return engine.terms(w); });
    var typing = !/\s$/.test(text);
    // One round trip for what the query looks up: every word's shard and, for the word being
    // typed, those of the beginnings it may be completed from and of its completions.
    var wanted = [].concat.apply([], groups);
    var completed = [];
    if (typing && groups.length > 0) {
      groups[groups.length - 1].forEach(function (term) {
        if (term.length < MIN_PREFIX) return;
        wanted = wanted.concat(prefixCandidates(term));
        completed.push(term);
      });
    }
    engine.require(wanted, completed);
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
    if (clauses.length === 0) return { status: "short", results: [] };
    function run(asked) {
      return (count > 0 && engine.best && engine.best(asked, count, early)) || { results: engine.query(asked) };
    }
    // One clause is asked without `required`, the same query to lunr: the documents that match
    // it are those it returns either way, with the same scores in the same order. Marked
    // required, lunr 2.3.9 copies the growing set of matches once per term and field (lunr.Set's
    // union), which for a broad word at 10,000 records was half the query's time.
    if (clauses.length === 1) return Object.assign({ status: "all" }, run(clauses));
    var found = run(clauses.map(function (c) { return Object.assign({ presence: lunr.Query.presence.REQUIRED }, c); }));
    if (found.results.length > 0) return Object.assign({ status: "all" }, found);
    return Object.assign({ status: "any" }, run(clauses));
  }

  /* Text with lunr operators: parsed by lunr's own parser; its errors become a hint. */
  function syntaxSearch(engine, text) {
    var query = new lunr.Query(engine.fields);
    try {
      new lunr.QueryParser(text, query).parse();
    } catch (error) {
      if (error instanceof lunr.QueryParseError) return { status: "syntax", results: [] };
      throw error;
    }
    var clauses = [];
    query.clauses.forEach(function (clause) {
      if (clause.usePipeline) {
        // A stop word gives no term: left out, as in plain search (lunr 2.3.9 throws on a required
        // clause without terms: `+de`).
        if (engine.terms(clause.term).length > 0) clauses.push(clause);
        return;
      }
      // Wildcard terms skip the pipeline; fold them so `participació*` matches like `participacio*`.
      var term = fold(clause.term);
      if (term.replace(/\*/g, "").length < 2) {
        return; // `*` or `a*` would match every term
      }
      clauses.push(Object.assign({}, clause, { term: term }));
    });
    if (clauses.length === 0) return { status: "short", results: [] };
    return { status: "all", results: engine.query(clauses.slice(0, MAX_CLAUSES)) };
  }

  /* The search, run once every shard it needs is loaded: {status, results, total, rest} or a
     Missing thrown. `results` is lunr's whole answer, or with `count` at least its first `count`
     results; `total` how many it has; `rest()` the whole answer. */
  function searchLoaded(engine, text, count, early) {
    text = String(text || "");
    var outcome;
    if (!text.trim()) return complete({ status: "empty", results: [] });
    try {
      outcome = SYNTAX.test(text) ? syntaxSearch(engine, text) : plainSearch(engine, text, count, early);
    } catch (error) {
      if (error instanceof lunr.QueryParseError) return complete({ status: "syntax", results: [] });
      throw error;
    }
    return outcome.rest ? outcome : complete(outcome);
  }

  function complete(outcome) {
    var results = outcome.results;
    return { status: outcome.status, results: results, total: results.length, rest: function () { return results; } };
  }

  /* Never rejects for what a reader types: a promise of {status, results}, where status is
     "empty", "all", "any" (no record has every word), "short" (nothing searchable) or "syntax".
     Each pass fetches the shards the previous one found missing (a word being typed may need a
     second shard once its prefix is known), so a query takes a pass or two, rarely more.
     With `count`, `results` may hold only the first `count` (searchLoaded); `early` as in
     engine.best. */
  function search(engine, text, count, early) {
    function attempt(passes) {
      try {
        return Promise.resolve(searchLoaded(engine, text, count, early));
      } catch (error) {
        if (!(error instanceof Missing) || passes > 50) return Promise.reject(error);
        return engine.fetchMissing(error).then(function () { return attempt(passes + 1); });
      }
    }
    return attempt(0);
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
    searchLoaded: searchLoaded,
    matchedTerms: matchedTerms,
    highlight: highlight
  };
})(typeof window !== "undefined" ? window : globalThis);
