// node query.js SITE_DIR LANG < ["query", ...]  ->  [{query, status, results: [{ref, kind, id, title, url, terms}]}]
"use strict";
const { loadEngine, readStdin } = require("./harness");

const [siteDir, lang] = process.argv.slice(2);
const { engine, OgpSearch } = loadEngine(siteDir, lang);
const out = readStdin().map((query) => {
  const outcome = OgpSearch.search(engine, query);
  return {
    query,
    status: outcome.status,
    results: outcome.results.map((result) => {
      const doc = engine.docs[Number(result.ref)];
      return { ref: result.ref, kind: doc.k, id: doc.i || "", title: doc.t, url: doc.u, terms: Object.keys(result.matchData.metadata).sort() };
    }),
  };
});
process.stdout.write(JSON.stringify(out));
