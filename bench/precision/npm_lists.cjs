// Prints the npm packages' keyword lists as JSON, {package: {language: [keyword, ...]}}, loaded as a user loads
// them: glin-profanity through its Filter (one per language), @2toad/profanity's profaneWords, naughty-words' export.
// Usage: node npm_lists.cjs NODE_MODULES_DIR GLIN_LANGUAGE...
"use strict";
const path = require("path");
const [modules, ...glinLanguages] = process.argv.slice(2);
const load = (name) => require(path.resolve(modules, name));

const glin = {};
const { Filter } = load("glin-profanity");
for (const language of glinLanguages) {
  glin[language] = [...new Filter({ languages: [language] }).words.keys()];
}
const twoToad = Object.fromEntries(load("@2toad/profanity").profaneWords);
const naughty = load("naughty-words");
process.stdout.write(JSON.stringify({ "glin-profanity": glin, "@2toad/profanity": twoToad, "naughty-words": naughty }));
