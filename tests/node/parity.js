// node parity.js SITE_DIR LANG WHOLE_INDEX_JSON < ["query", ...]
// Runs each query twice through search-core.js's search: on the sharded index of the built site (the
// shards each query needs, fetched from files) and on one lunr index loaded whole; reports every
// query whose status, refs, order or scores (beyond 1e-9) differ, and what the sharded side fetched;
// and asked for only a first page of results, that the sharded side gives the whole answer's total
// and its very first results.
"use strict";
const { loadEngine, wholeEngine, readStdin } = require("./harness");

const FIRST = [1, 3, 10]; // first pages of these sizes, each against the whole answer

async function main() {
  const [siteDir, lang, wholePath] = process.argv.slice(2);
  const loaded = loadEngine(siteDir, lang);
  const { engine, OgpSearch, fetched, manifest } = loaded;
  const whole = wholeEngine(loaded, wholePath);
  const differences = [];
  const rows = [];
  let maxScoreDifference = 0;
  // cut: answers with fewer results than the whole; told: answers whose leading documents were named
  // early, toldRight: named as the answer then ranked them
  const firstPages = { compared: 0, cut: 0, told: 0, toldRight: 0 };
  for (const query of readStdin()) {
    const before = fetched.length;
    const split = await OgpSearch.search(engine, query);
    const shards = fetched.slice(before).filter((file) => file.endsWith(".json")).length;
    const vocabulary = fetched.slice(before).some((file) => file.endsWith(".txt"));
    const reference = await OgpSearch.search(whole, query);
    const a = split.results.map((r) => [r.ref, r.score]);
    const b = reference.results.map((r) => [r.ref, r.score]);
    let same = split.status === reference.status && a.length === b.length;
    for (let i = 0; same && i < a.length; i++) {
      const difference = Math.abs(a[i][1] - b[i][1]);
      maxScoreDifference = Math.max(maxScoreDifference, difference);
      same = a[i][0] === b[i][0] && difference <= 1e-9;
    }
    if (!same) differences.push({ query, split: [split.status, a.slice(0, 10)], whole: [reference.status, b.slice(0, 10)] });
    // The first page alone (search-core.js's engine.best, as the Worker asks): the same status and
    // total as the whole answer, and results that begin it, to the bit, at least `count` of them.
    for (const count of FIRST) {
      const told = [];
      const first = await OgpSearch.search(engine, query, count, { count: 3, refs: (refs) => told.push(refs) });
      // The documents named early (to fetch their texts while lunr runs) are those the answer leads with.
      if (told.length) {
        firstPages.told += 1;
        if (told.every((refs) => JSON.stringify(refs) === JSON.stringify(first.results.slice(0, refs.length).map((r) => r.ref)))) firstPages.toldRight += 1;
      }
      const c = first.results.map((r) => [r.ref, r.score]);
      let begins = first.status === reference.status && first.total === b.length && c.length >= Math.min(count, b.length) && c.length <= b.length;
      for (let i = 0; begins && i < c.length; i++) begins = c[i][0] === b[i][0] && c[i][1] === b[i][1];
      if (c.length < b.length) firstPages.cut += 1;
      firstPages.compared += 1;
      if (!begins) differences.push({ query, count, first: [first.status, first.total, c.slice(0, 10)], whole: [reference.status, b.length, b.slice(0, 10)] });
      const rest = first.rest().map((r) => [r.ref, r.score]);
      if (JSON.stringify(rest) !== JSON.stringify(a)) differences.push({ query, count, rest: rest.slice(0, 10), split: a.slice(0, 10) });
    }
    rows.push({ query, status: reference.status, results: b.length, shards, vocabulary });
  }
  process.stdout.write(JSON.stringify({ shards: manifest.shards.names.length, maxScoreDifference, differences, rows, firstPages }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
