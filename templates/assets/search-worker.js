/*
 * The search engine in a dedicated Worker, so the page's main thread only builds the results:
 * fetching, lunr, the query, the result texts and which of their words to mark happen here.
 *
 * The last part of the language's Worker script, assets/search/{lang}-<hash>.js (vendor.py,
 * `worker_bundle`): lunr.js, the stemmers and search-core.js come first in the same file, so
 * starting the Worker is one request. search.js starts it with `new Worker(url)`, the URL the
 * manifest names: same origin, allowed by `script-src 'self'`, no blob: URL, no inline code.
 *
 * Messages in:  {type: "load", manifest: absolute URL, text: its text}
 *               {type: "search", id, text, first: how many results' texts to send with the answer,
 *                page: how many results a page of them holds}
 *               {type: "texts", id, query: the search's id, from, count}
 * Messages out: {type: "ready"} or {type: "failed"}
 *               {type: "results", id, status, total: the number of results, docs: the first texts}
 *               or {type: "error", id}
 *               {type: "texts", id, docs: [{k, u, l, i, t, s}]}, i/t/s as [{text, mark}] pieces
 */
(function () {
  "use strict";

  // Marks for benchmarks/: what a cold query waits on, as the Worker sees it.
  function mark(name) {
    if (self.performance && performance.mark) performance.mark("search:worker-" + name);
  }
  mark("script");

  var engine = null;
  var loading = null;
  var started; // resolved with the load's promise: a query may arrive before the manifest does
  var start = new Promise(function (resolve) { started = resolve; });

  function fetchFrom(base) {
    return function (path, asText) {
      var url = new URL(path, base).href;
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + url);
        return asText ? response.text() : response.json();
      });
    };
  }

  /* The page has the manifest already (it read this script's URL from it) and passes its text. */
  function load(manifestUrl, text) {
    if (!loading) {
      loading = Promise.resolve(text).then(function (manifestText) {
        engine = self.OgpSearch.load(JSON.parse(manifestText), fetchFrom(manifestUrl));
        return engine;
      });
      loading.catch(function () { loading = null; }); // a later load may start over
      started(loading);
    }
    return loading;
  }

  function marked(text, terms) {
    return text ? self.OgpSearch.highlight(engine, text, terms) : null;
  }

  /* A result text with its title, ID and snippet already split into marked and plain pieces. */
  function rendered(doc, terms) {
    return { k: doc.k, u: doc.u, l: doc.l || "", i: marked(doc.i, terms), t: marked(doc.t, terms) || [], s: marked(doc.s, terms) };
  }

  /* The results stay here: a broad query at 10,000 records has thousands (hundreds of kB to copy
     to the page), and the page shows 50 at a time. It asks for the texts of the next ones by the
     answer's id; the latest answers are kept. An answer holds lunr's first page of results until
     a reader asks beyond it (search-core.js, engine.best): typing a word is not held up by the
     thousands of results behind the first page. */
  var KEPT = 8;
  var answers = new Map();

  function keep(id, outcome) {
    answers.set(id, outcome);
    if (answers.size > KEPT) answers.delete(answers.keys().next().value);
  }

  /* The rendered texts of results `from` to `from + count`, each marked with the terms it matched. */
  function textsOf(outcome, from, count) {
    if (from + count > outcome.results.length && outcome.results.length < outcome.total) {
      outcome.results = outcome.rest(); // the whole answer, once
    }
    var slice = outcome.results.slice(from, from + count);
    return engine.texts(slice.map(function (r) { return r.ref; })).then(function (docs) {
      return docs.map(function (doc, n) { return rendered(doc, self.OgpSearch.matchedTerms(slice[n])); });
    });
  }

  self.onmessage = function (event) {
    var data = event.data;
    if (data.type === "load") {
      mark("load");
      load(data.manifest, data.text).then(function () {
        self.postMessage({ type: "ready" });
      }, function () {
        self.postMessage({ type: "failed" });
      });
    } else if (data.type === "search") {
      (loading || start).then(function () {
        mark("asked");
        // The texts of the results lunr will most likely show first are fetched while it runs; a
        // wrong guess costs a fetch, never a result.
        var early = { count: data.first || 0, refs: function (refs) { engine.texts(refs).catch(function () {}); } };
        return self.OgpSearch.search(engine, data.text, Math.max(data.page || 0, data.first || 0), early);
      }).then(function (outcome) {
        mark("answered");
        keep(data.id, outcome);
        // The texts of the first results the page shows come with the answer (one message, not
        // the page asking once it has the answer).
        return textsOf(outcome, 0, data.first || 0).then(function (docs) {
          self.postMessage({ type: "results", id: data.id, status: outcome.status, total: outcome.total, docs: docs });
        });
      }).catch(function () {
        self.postMessage({ type: "error", id: data.id });
      });
    } else if (data.type === "texts") {
      (loading || start).then(function () {
        var outcome = answers.get(data.query);
        if (!outcome) throw new Error("no longer kept: " + data.query);
        return textsOf(outcome, data.from, data.count);
      }).then(function (docs) {
        self.postMessage({ type: "texts", id: data.id, docs: docs });
      }).catch(function () {
        self.postMessage({ type: "error", id: data.id });
      });
    }
  };
})();
