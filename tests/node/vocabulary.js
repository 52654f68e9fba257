// node vocabulary.js SITE_DIR LANG < {"words": [[word, [terms Python made], in_index], ...]}
// Runs every word through the browser's pipeline (the functions the index's "pipeline" labels name,
// as registered by lunr.js and search-core.js) and reports each disagreement with Python,
// and each term the browser makes that the index (its shards, all fetched) does not hold.
"use strict";
const { loadEngine, loadAllShards, readStdin } = require("./harness");

async function main() {
  const [siteDir, lang] = process.argv.slice(2);
  const { engine, manifest, lunr, scripts } = loadEngine(siteDir, lang);
  await loadAllShards(engine, manifest);
  const input = readStdin();
  const mismatches = [];
  const notInIndex = [];
  let checked = 0;
  for (const [word, expected, inIndex] of input.words) {
    // What the search page does with a typed word: lunr's separator, lower case, the index pipeline.
    const terms = word.toLowerCase().split(lunr.tokenizer.separator).filter((w) => w).flatMap((w) => engine.terms(w));
    checked += 1;
    if (JSON.stringify(terms) !== JSON.stringify(expected)) {
      mismatches.push({ word, browser: terms, python: expected });
    }
    if (inIndex) {
      for (const term of terms) {
        if (!engine.isTerm(term)) notInIndex.push({ word, term });
      }
    }
  }
  const pipeline = lunr.Pipeline.load(manifest.pipeline)._stack.map((fn) => fn.label);
  process.stdout.write(JSON.stringify({ checked, pipeline, scripts, mismatches, notInIndex }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
