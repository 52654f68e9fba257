// node presence.js SITE_DIR LANG WHOLE_INDEX_JSON < ["term", ...]
// search-core.js asks lunr a one-clause plain query without marking the clause required (it is
// cheaper). This checks, on one lunr index loaded whole, that for each term, exactly and as a
// prefix being typed, the clause gives the same refs in the same order with the very same scores
// and matched terms whether it is marked required or not.
"use strict";
const { loadEngine, wholeEngine, readStdin } = require("./harness");

function run(index, lunr, clause) {
  return index.query(function (query) { query.clause(Object.assign({}, clause)); }).map(function (r) {
    return [r.ref, r.score, Object.keys(r.matchData.metadata).sort().join(" ")];
  });
}

function main() {
  const [siteDir, lang, wholePath] = process.argv.slice(2);
  const loaded = loadEngine(siteDir, lang);
  const { index } = wholeEngine(loaded, wholePath);
  const lunr = loaded.lunr;
  const differences = [];
  let compared = 0, results = 0, widest = 0;
  for (const term of readStdin()) {
    for (const wildcard of [lunr.Query.wildcard.NONE, lunr.Query.wildcard.TRAILING]) {
      const clause = { term: term, usePipeline: false, wildcard: wildcard };
      const optional = run(index, lunr, clause);
      const required = run(index, lunr, Object.assign({ presence: lunr.Query.presence.REQUIRED }, clause));
      compared += 1;
      results += optional.length;
      widest = Math.max(widest, optional.length);
      if (JSON.stringify(optional) !== JSON.stringify(required)) differences.push({ term, wildcard, optional: optional.slice(0, 5), required: required.slice(0, 5) });
    }
  }
  process.stdout.write(JSON.stringify({ compared, results, widest, differences }));
}

main();
