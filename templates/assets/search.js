/*
 * Site search in the page. Loaded on every page, it fetches nothing until needed: the header box
 * prefetches the small manifest of the index when it gets focus; the search page starts the
 * search Worker it names (one script: lunr, the stemmers, search-core.js
 * and search-worker.js), which fetches, as you type, only the index shards the query needs and
 * the texts of the results shown. The page
 * itself only builds the results, with DOM nodes and textContent only: no lunr, no stemmer, no
 * query runs on the main thread, so typing never waits for them.
 */
(function () {
  "use strict";

  var PAGE_SIZE = 50;
  // Shown before the rest of the first page, whose texts follow. Six: over HTTP/1.1 a browser
  // fetches at most six files at once from a host, so the first texts come in one round trip.
  var FIRST_RESULTS = 6;

  function absolute(url, base) {
    return new URL(url, base || document.baseURI).href;
  }

  /* The engine runs in a Worker (the language's assets/search/{lang}-<hash>.js, named by the
     page and the manifest: lunr, the stemmers, search-core.js and search-worker.js in one file): the page asks,
     by message, for a query's results, then for the texts of those it shows, already split into
     marked and plain pieces, and only builds the list. Each request gets a promise of the
     Worker's answer; requests made before the Worker is started wait for it. */
  function workerEngine(manifestUrl, workerUrl) {
    var base = absolute(manifestUrl);
    var waiting = new Map();
    var next = 0;
    var ready = new Promise(function (resolve, reject) {
      waiting.set("load", { resolve: resolve, reject: reject });
    });
    function answered(event) {
      var data = event.data;
      if (data.type === "ready" || data.type === "failed") {
        var loading = waiting.get("load");
        waiting.delete("load");
        if (data.type === "ready") {
          performance.mark("search:index-ready");
          loading.resolve();
        } else {
          loading.reject(new Error("search index"));
        }
        return;
      }
      var asked = waiting.get(data.id);
      if (!asked) return;
      waiting.delete(data.id);
      if (data.type === "error") asked.reject(new Error("search"));
      else asked.resolve(data);
    }
    function broken() {
      waiting.forEach(function (asked) { asked.reject(new Error("search worker")); });
      waiting.clear();
    }
    var confirmed = null; // the Worker the manifest names
    function start(url) {
      var started = new Worker(url);
      started.onmessage = answered;
      started.onerror = function () {
        if (started === confirmed) broken();
        else started.failed = true; // reported if the manifest names it
      };
      return started;
    }
    // The Worker the page names starts at once, while the preloaded manifest comes in; if the
    // manifest names another (a page older than the index), that one. It gets the manifest's text.
    var first = workerUrl ? start(absolute(workerUrl)) : null;
    var worker = fetch(base, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + manifestUrl);
      return response.text();
    }).then(function (text) {
      var named = absolute(JSON.parse(text).worker, base);
      var started = first;
      if (!started || named !== absolute(workerUrl)) {
        if (started) started.terminate();
        started = start(named);
      }
      confirmed = started;
      if (started.failed) throw new Error("search worker " + named);
      started.postMessage({ type: "load", manifest: base, text: text });
      return started;
    });
    worker.catch(broken);
    function ask(message) {
      message.id = ++next;
      return new Promise(function (resolve, reject) {
        waiting.set(message.id, { resolve: resolve, reject: reject });
        worker.then(function (started) { started.postMessage(message); }, function (error) {
          waiting.delete(message.id);
          reject(error);
        });
      });
    }
    return {
      base: base,
      ready: ready,
      /* How many results (`total`), with the texts of the first `first` of them (`docs`); the
         Worker keeps the results, and `texts` asks for more of them by the answer's `id`. */
      search: function (text, first) { return ask({ type: "search", text: text, first: first, page: PAGE_SIZE }); },
      /* The texts of results `from` to `from + count` of the query answered as `id`. */
      texts: function (id, from, count) {
        return ask({ type: "texts", query: id, from: from, count: count }).then(function (data) { return data.docs; });
      }
    };
  }

  function prefetch(url) {
    var link = document.createElement("link");
    link.rel = "prefetch";
    link.href = url;
    document.head.appendChild(link);
  }

  /* The search page starts its Worker as soon as this script runs (it is async, so it need not
     wait for the styles or the rest of the page): the manifest's link, which search.html preloads
     and which names the Worker, comes before it in the page's head. The rest waits for the page to be parsed. */
  var preloaded = document.querySelector("link[rel=preload][data-search-manifest]");
  var early = preloaded ? workerEngine(preloaded.href, preloaded.dataset.searchWorker) : null;

  function whenParsed(run) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run, { once: true });
    else run();
  }

  whenParsed(function () {
    /* ---- the header box on every page ---- */

    var headerForm = document.querySelector("form.search-form[data-search-index]");
    var page = document.getElementById("search-page");
    if (headerForm && !page) {
      var headerInput = headerForm.querySelector("input[name=q]");
      headerInput.addEventListener("focus", function () {
        // Warm the cache for the search page this form leads to (the manifest only: a few kB).
        prefetch(absolute(headerForm.dataset.searchIndex));
      }, { once: true });
    }

    if (!page) {
      return;
    }

    /* ---- the search page ---- */

    var form = page.querySelector(".search-page-form");
    var input = form.querySelector("input");
    var status = page.querySelector(".search-status");
    var list = page.querySelector(".search-results");
    var more = page.querySelector(".search-more");
    var labels = page.dataset;
    var engine = null;
    var current = { id: 0, total: 0, shown: 0, query: "" };
    var asked = 0; // the latest query: an answer to an older one, arriving late, is dropped
    // Made while the Worker starts: a page's first Intl.NumberFormat takes ~20 ms.
    var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

    function message(name, values) {
      var text = labels["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
      Object.keys(values || {}).forEach(function (key) {
        text = text.split("{" + key + "}").join(values[key]);
      });
      return text;
    }

    function appendPieces(parent, pieces) {
      pieces.forEach(function (piece) {
        if (piece.mark) {
          var mark = document.createElement("mark");
          mark.textContent = piece.text;
          parent.appendChild(mark);
        } else {
          parent.appendChild(document.createTextNode(piece.text));
        }
      });
    }

    function resultItem(doc) {
      var item = document.createElement("li");
      item.className = "search-result";

      var kind = document.createElement("p");
      kind.className = "search-result-kind";
      kind.textContent = labels["label" + doc.k.charAt(0).toUpperCase() + doc.k.slice(1)] || doc.k;
      item.appendChild(kind);

      var heading = document.createElement("h2");
      heading.className = "search-result-title";
      var link = document.createElement("a");
      link.href = absolute(doc.u, engine.base);
      if (doc.l) {
        link.lang = doc.l;
      }
      if (doc.i) {
        var id = document.createElement("span");
        id.className = "record-id";
        appendPieces(id, doc.i);
        link.appendChild(id);
        link.appendChild(document.createTextNode(" "));
      }
      appendPieces(link, doc.t);
      heading.appendChild(link);
      item.appendChild(heading);

      if (doc.s) {
        var snippet = document.createElement("p");
        snippet.className = "search-result-snippet";
        if (doc.l) {
          snippet.lang = doc.l;
        }
        appendPieces(snippet, doc.s);
        item.appendChild(snippet);
      }
      return item;
    }

    /* The next `count` results of `shown`, built once their texts are fetched (only theirs: one
       small file each) or from `docs` when the Worker sent them with the answer; null when a newer
       query replaced it meanwhile. */
    function nextItems(shown, count, last, docs) {
      var next = Math.min(count, shown.total - shown.shown);
      return (docs ? Promise.resolve(docs.slice(0, next)) : engine.texts(shown.id, shown.shown, next)).then(function (texts) {
        if (shown !== current) return null;
        var fragment = document.createDocumentFragment();
        texts.forEach(function (doc) { fragment.appendChild(resultItem(doc)); });
        shown.shown += next;
        if (last) more.hidden = shown.shown >= shown.total;
        return fragment;
      });
    }

    function failed() {
      status.textContent = message("failed");
    }

    function showMore() {
      nextItems(current, PAGE_SIZE, true).then(function (fragment) {
        if (fragment) list.appendChild(fragment);
      }, failed);
    }

    function describe(outcome, query, total) {
      var count = numbers.format(total);
      if (outcome.status === "empty") return message("empty");
      if (outcome.status === "syntax") return message("syntax");
      if (outcome.status === "short") return message("short");
      var parts = [];
      if (total === 0) parts.push(message("none", { query: query }));
      else if (total === 1) parts.push(message("one", { query: query }));
      else parts.push(message("many", { count: count, query: query }));
      if (outcome.status === "any" && total > 0) parts.push(message("any"));
      if (total > PAGE_SIZE) parts.push(message("shown", { shown: String(PAGE_SIZE) }));
      return parts.join(" ");
    }

    function keepInAddress(query) {
      var url = new URL(location.href);
      if (query) url.searchParams.set("q", query);
      else url.searchParams.delete("q");
      if (url.href !== location.href) history.replaceState(null, "", url.href);
    }

    function render() {
      if (!engine) return;
      var query = input.value;
      var ticket = ++asked;
      engine.search(query, FIRST_RESULTS).then(function (outcome) {
        if (ticket !== asked) return null;
        current = { id: outcome.id, total: outcome.total, shown: 0, query: query };
        var shown = current;
        more.hidden = true;
        list.removeAttribute("aria-busy");
        // The first few results as soon as their texts are in, then the rest of the page.
        return nextItems(shown, FIRST_RESULTS, shown.total <= FIRST_RESULTS, outcome.docs).then(function (fragment) {
          if (fragment === null) return null;
          // A reader who moved into the list while a newer answer came keeps the keyboard: the
          // focused link goes with the old results, so focus goes back to the box.
          var focused = list.contains(document.activeElement);
          list.replaceChildren(fragment);
          if (focused) input.focus();
          list.hidden = outcome.total === 0;
          status.textContent = describe(outcome, query.trim(), outcome.total);
          keepInAddress(query.trim());
          performance.mark(outcome.total ? "search:results" : "search:no-results"); // for benchmarks/
          if (shown.total <= FIRST_RESULTS) return null;
          list.setAttribute("aria-busy", "true"); // until the rest of the first page is in
          return nextItems(shown, PAGE_SIZE - FIRST_RESULTS, true).then(function (rest) {
            if (rest) {
              list.appendChild(rest);
              list.removeAttribute("aria-busy");
            }
          });
        });
      }).catch(function () {
        if (ticket === asked) status.textContent = message("failed");
      });
    }

    function links() {
      return Array.prototype.slice.call(list.querySelectorAll(".search-result-title a"));
    }

    /* Arrow keys move between the input and the result links; Tab and Enter work as usual. */
    function onKey(event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      var all = links();
      if (!all.length) return;
      var at = all.indexOf(document.activeElement);
      var next;
      if (event.target === input) next = event.key === "ArrowDown" ? 0 : null;
      else if (at >= 0) next = event.key === "ArrowDown" ? Math.min(at + 1, all.length - 1) : at - 1;
      else return;
      event.preventDefault();
      if (next === null || next < 0) input.focus();
      else all[next].focus();
    }

    form.hidden = false;
    input.value = new URLSearchParams(location.search).get("q") || "";
    input.addEventListener("input", render);
    input.addEventListener("keydown", onKey);
    list.addEventListener("keydown", onKey);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      render();
    });
    more.addEventListener("click", showMore);
    if (headerForm) {
      // On this page the header box searches here instead of reloading the page.
      headerForm.addEventListener("submit", function (event) {
        event.preventDefault();
        input.value = headerForm.querySelector("input[name=q]").value;
        render();
        input.focus();
      });
    }

    status.textContent = message("loading");
    // The Worker (started already, unless the page had no preloaded manifest) answers the first
    // query once it is loaded.
    engine = early || workerEngine(page.dataset.index);
    engine.ready.catch(failed);
    render();
  });
})();
