// node whole.js SITE_DIR LANG WHOLE_INDEX_JSON
// Fetches every shard and the field lengths of the built site, has search-core.js make lunr's
// JSON of every term (the field vectors scored in the browser, from term frequencies and lengths),
// and compares it, posting by posting and score by score, with the whole index built in one piece.
// Reports how many postings and field vectors differ and the largest score difference.
"use strict";
const fs = require("fs");
const { loadEngine, loadAllShards } = require("./harness");

function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical(value[key]);
    return out;
  }
  return value;
}

async function main() {
  const [siteDir, lang, wholePath] = process.argv.slice(2);
  const { engine, manifest, context } = loadEngine(siteDir, lang);
  await loadAllShards(engine, manifest);
  await engine.fetchMissing({ shards: [], vocabulary: false }); // and the field lengths
  const whole = JSON.parse(fs.readFileSync(wholePath, "utf8"));
  const terms = whole.invertedIndex.map(([term]) => term);
  const made = JSON.parse(vm_stringify(context, engine.lunrJSON(terms, true)));
  let postings = 0;
  for (let i = 0; i < whole.invertedIndex.length; i++) {
    const a = JSON.stringify(canonical(made.invertedIndex[i])), b = JSON.stringify(canonical(whole.invertedIndex[i]));
    if (a !== b) postings += 1;
  }
  let vectors = 0, maxScoreDifference = 0, scores = 0;
  const byRef = new Map(made.fieldVectors.map(([ref, elements]) => [ref, elements]));
  for (const [ref, elements] of whole.fieldVectors) {
    const mine = byRef.get(ref) || [];
    if (JSON.stringify(mine) !== JSON.stringify(elements)) vectors += 1;
    for (let k = 1; k < elements.length; k += 2) {
      scores += 1;
      if (mine.length === elements.length) maxScoreDifference = Math.max(maxScoreDifference, Math.abs(mine[k] - elements[k]));
    }
  }
  process.stdout.write(JSON.stringify({
    terms: terms.length, scores, fieldVectors: whole.fieldVectors.length, madeVectors: made.fieldVectors.length,
    postingsDiffer: postings, vectorsDiffer: vectors, maxScoreDifference,
  }));
}

function vm_stringify(context, value) {
  context.__value = value;
  return require("vm").runInContext("JSON.stringify(__value)", context);
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
