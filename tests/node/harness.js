// Loads a built site's search for one language exactly as the browser does: the scripts listed in
// {lang}/search-index.json (the manifest), in order, into one global scope, then an engine that
// reads the shards and result texts the manifest names from the site folder when a query needs them.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

/* `options.lengths`: how the field lengths file, which the engine fetches as it loads, comes in:
   "late", 50 ms after it is asked for, so a query finds its shards in before it (a slow network);
   "flaky", not at all the first time it is asked for (a failing network). */
function loadEngine(siteDir, lang, options = {}) {
  let lengthsAsked = 0;
  const manifestPath = path.join(siteDir, lang, "search-index.json");
  const context = vm.createContext({ console });
  context.manifestText = fs.readFileSync(manifestPath, "utf8");
  const manifest = vm.runInContext("JSON.parse(manifestText)", context);
  const scripts = [];
  for (const url of manifest.scripts) {
    const file = path.resolve(path.dirname(manifestPath), url.split("?")[0]);
    vm.runInContext(fs.readFileSync(file, "utf8"), context, { filename: file });
    scripts.push(path.relative(siteDir, file));
  }
  const fetched = [];
  const innerJSON = vm.runInContext("JSON", context); // objects of the page's own realm, as fetch gives
  context.readSiteFile = (relpath, asText) => {
    fetched.push(relpath);
    const text = fs.readFileSync(path.join(siteDir, lang, relpath), "utf8");
    const value = asText ? text : innerJSON.parse(text);
    if (relpath.startsWith("search-lengths/")) {
      lengthsAsked += 1;
      if (options.lengths === "late") return new Promise((resolve) => setTimeout(() => resolve(value), 50));
      if (options.lengths === "flaky" && lengthsAsked === 1) return Promise.reject(new Error("network"));
    }
    return Promise.resolve(value);
  };
  context.manifest = manifest;
  const engine = vm.runInContext("OgpSearch.load(manifest, readSiteFile)", context);
  return { engine, manifest, lunr: context.lunr, OgpSearch: context.OgpSearch, scripts, context, fetched };
}

/* Every shard fetched, for checks over the whole vocabulary. */
function loadAllShards(engine, manifest) {
  return engine.fetchMissing({ shards: manifest.shards.names.map((_, i) => i), vocabulary: false });
}

/* The reference: one lunr index loaded whole (lunr.Index.load on the index built in one piece), with
   the interface search-core.js's search logic uses, in the same global scope as `loaded`. */
function wholeEngine(loaded, indexPath) {
  const { context } = loaded;
  context.wholeText = fs.readFileSync(indexPath, "utf8");
  return vm.runInContext(
    `(function () {
      var index = lunr.Index.load(JSON.parse(wholeText));
      var sorted = Object.keys(index.invertedIndex).sort();
      var cache = new Map();
      return {
        fields: index.fields,
        index: index,
        require: function () {},
        isTerm: function (term) { return Object.prototype.hasOwnProperty.call(index.invertedIndex, term); },
        hasPrefix: function (prefix) {
          var low = 0, high = sorted.length;
          while (low < high) { var mid = (low + high) >>> 1; if (sorted[mid] < prefix) low = mid + 1; else high = mid; }
          return low < sorted.length && sorted[low].lastIndexOf(prefix, 0) === 0;
        },
        terms: function (word) {
          var key = word.toLowerCase();
          if (!cache.has(key)) cache.set(key, index.pipeline.runString(key).filter(function (t) { return t.length > 0; }));
          return cache.get(key);
        },
        query: function (clauses) {
          return index.query(function (query) { clauses.forEach(function (c) { query.clause(Object.assign({}, c)); }); });
        }
      };
    })()`,
    context
  );
}

function readStdin() {
  return JSON.parse(fs.readFileSync(0, "utf8"));
}

module.exports = { loadEngine, loadAllShards, wholeEngine, readStdin };
