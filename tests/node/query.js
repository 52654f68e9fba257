// node query.js SITE_DIR LANG [FIRST [late|flaky]] < ["query", ...]
//   ->  [{query, status, total, results: [{ref, kind, id, title, url, terms}], fetched}], or
//       {query, failed: true} for a query that failed
// FIRST: ask for the first FIRST results only, as the Worker does; late, flaky: how the field lengths
// file comes in (harness.js).
"use strict";
const { loadEngine, readStdin } = require("./harness");

async function main() {
  const [siteDir, lang, first, late] = process.argv.slice(2);
  const { engine, OgpSearch, fetched } = loadEngine(siteDir, lang, { lengths: late });
  const out = [];
  for (const query of readStdin()) {
    const before = fetched.length;
    let outcome;
    try {
      outcome = await OgpSearch.search(engine, query, Number(first || 0));
    } catch (error) {
      if (!late) throw error;
      out.push({ query, failed: true });
      continue;
    }
    const docs = await engine.texts(outcome.results.map((result) => result.ref));
    out.push({
      query,
      status: outcome.status,
      total: outcome.total,
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
