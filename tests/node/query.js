// node query.js SITE_DIR LANG < ["query", ...]  ->  [{query, status, results: [{ref, kind, id, title, url, terms}], fetched}]
"use strict";
const { loadEngine, readStdin } = require("./harness");

async function main() {
  const [siteDir, lang] = process.argv.slice(2);
  const { engine, OgpSearch, fetched } = loadEngine(siteDir, lang);
  const out = [];
  for (const query of readStdin()) {
    const before = fetched.length;
    const outcome = await OgpSearch.search(engine, query);
    const docs = await engine.texts(outcome.results.map((result) => result.ref));
    out.push({
      query,
      status: outcome.status,
      results: outcome.results.map((result, i) => {
        const doc = docs[i];
        return { ref: result.ref, kind: doc.k, id: doc.i || "", title: doc.t, url: doc.u, terms: Object.keys(result.matchData.metadata).sort() };
      }),
      fetched: fetched.slice(before),
    });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
