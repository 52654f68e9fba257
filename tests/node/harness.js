// Loads a built site's search for one language exactly as the browser does: the scripts listed in
// {lang}/search-docs.json, in order, into one global scope, then lunr.Index.load on the index.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

function loadEngine(siteDir, lang) {
  const docsPath = path.join(siteDir, lang, "search-docs.json");
  const indexPath = path.join(siteDir, lang, "search-index.json");
  const context = vm.createContext({ console });
  context.storeText = fs.readFileSync(docsPath, "utf8");
  context.indexText = fs.readFileSync(indexPath, "utf8");
  const store = vm.runInContext("JSON.parse(storeText)", context);
  const scripts = [];
  for (const url of store.scripts) {
    const file = path.resolve(path.dirname(docsPath), url.split("?")[0]);
    vm.runInContext(fs.readFileSync(file, "utf8"), context, { filename: file });
    scripts.push(path.relative(siteDir, file));
  }
  context.store = store;
  const engine = vm.runInContext("OgpSearch.load(JSON.parse(indexText), store)", context);
  return { engine, lunr: context.lunr, OgpSearch: context.OgpSearch, scripts, context };
}

function readStdin() {
  return JSON.parse(fs.readFileSync(0, "utf8"));
}

module.exports = { loadEngine, readStdin };
