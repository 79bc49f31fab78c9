// The search page: queries the Pagefind index written by `kb build`, with filters,
// a typo fallback from the site's own vocabulary, keyboard navigation and a shareable URL.
// Plain ES module on purpose: the site must work offline, with no CDN and no build step.

import { stem } from "./stem.js";

const PAGE_SIZE = 10;
const DEBOUNCE_MS = 200;
const FILTER_NAMES = ["tag", "source", "answer", "verified"];
const MIN_CORRECTABLE_LENGTH = 4;
// Longer words are more often misspelt twice, and have fewer neighbours at distance 2.
const MIN_LENGTH_FOR_TWO_EDITS = 8;
// Split with a capture group, so words land at even indexes and separators are kept.
const WORD_SEPARATOR = /([^\p{L}\p{N}]+)/u;
// Pagefind's default ranking (BM25: how often the words come for a page's length) puts short
// pages that mention the words once, or words they merely begin ("differential" for
// "difference"), above the entry that is about them. Weighing mostly how often the words come
// at all, exact words far above longer ones, puts the right entry in the top 5 more often, on
// real questions among 20,000 entries (plain title words 72 % instead of 32, plural or
// singular 90 % instead of 71) and among the 389 real ones alone (91 and 99 % instead of 77
// and 94), 100 questions each: see benchmarks/search_quality.py.
const RANKING = { termFrequency: 0.1, termSimilarity: 8 };
// English words too common to tell entries apart, left out of a query that has other words,
// as are the words on most of the site's entries (search.json's "common"). A query loads each
// word's pages: "the" alone came to about 1 MB among 20,000 real-length entries, and ranked
// nothing.
const STOP_WORDS = new Set(("a an and are as at be but by can do does for from has have how i if in into is " +
  "it its of on or so that the their then there these they this to was we were what when where which who " +
  "why will with you your").split(" "));
const INDEX_UNAVAILABLE =
  "Search index not available. If you opened this page as a file, serve the site over HTTP " +
  "(for example with kb serve); otherwise rebuild the site.";

const container = document.getElementById("kb-search");
const input = document.getElementById("kb-search-input");
const form = document.getElementById("kb-search-form");
const filterSet = document.getElementById("kb-search-filters");
const statusLine = document.getElementById("kb-search-status");
const resultList = container.querySelector("[data-search-results]");
const moreButton = document.getElementById("kb-search-more");
const selects = Object.fromEntries(
  FILTER_NAMES.map((name) => [name, container.querySelector(`select[data-filter="${name}"]`)]));

// Links stay relative to the page (ROOT + url) so the site works under any prefix.
// Loading needs absolute URLs: import() resolves against this script, and Pagefind fetches
// from a worker, where relative paths would resolve against the worker's own URL.
const ROOT = container.dataset.root;
const indexUrl = (path) => new URL(`pagefind/${path}`, new URL(ROOT, document.baseURI)).href;

async function loadIndex() {
  // Asked afresh each time, like Pagefind's own entry file: it says which index files are current.
  const response = await fetch(indexUrl("search.json"), { cache: "no-cache" });
  if (!response.ok) throw new Error(`search.json: HTTP ${response.status}`);
  const { index, vocabulary, common } = await response.json();
  if (!index) throw new Error("search.json: no index (the site has no entries)");
  const pagefind = await import(indexUrl("pagefind.js"));
  // baseUrl "/" makes every result URL "/<path from the site root>", whatever the host path.
  await pagefind.options({ basePath: indexUrl(""), baseUrl: "/", excerptLength: 30, ranking: RANKING });
  return { pagefind, vocabularyLengths: new Set(vocabulary), commonWords: new Set(common) };
}

const ready = loadIndex();
const vocabularyCache = new Map();

// Words of one length, most frequent first; an empty list where no file exists or loads.
function vocabulary(length) {
  if (!vocabularyCache.has(length)) {
    vocabularyCache.set(length, ready.then(async ({ vocabularyLengths }) => {
      if (!vocabularyLengths.has(length)) return [];
      const response = await fetch(indexUrl(`vocabulary/${length}.txt`));
      if (!response.ok) return [];
      return (await response.text()).split("\n").map((word) => word.trim()).filter(Boolean);
    }).catch(() => []));
  }
  return vocabularyCache.get(length);
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions) between two
// arrays of characters; gives up with max + 1 as soon as the distance must exceed max.
function editDistance(a, b, max) {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let twoRowsUp = null;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        current[j] = Math.min(current[j], twoRowsUp[j - 2] + 1);
      }
    }
    if (Math.min(...current) > max) return max + 1;
    [twoRowsUp, previous] = [previous, current];
  }
  return previous[b.length];
}

// The files only rank words within one length, so the best candidate is the one with the
// lowest rank in its file; on a tie the same-length word (a substitution or swap) wins.
function mostFrequentWithin(chars, lists, max) {
  let best = null;
  let bestRank = Infinity;
  for (const list of lists) {
    const rank = list.findIndex((word) => editDistance(chars, [...word], max) <= max);
    if (rank !== -1 && rank < bestRank) [best, bestRank] = [list[rank], rank];
  }
  return best;
}

// `seen`: words of the results already loaded, which are site words without a download.
async function correctWord(word, seen) {
  const chars = [...word];
  const length = chars.length;
  // Numbers are left alone: the vocabulary has none, so any "correction" would be wrong.
  if (length < MIN_CORRECTABLE_LENGTH || /^\p{N}+$/u.test(word) || seen.has(word)) return null;
  const sameLength = await vocabulary(length);
  if (sameLength.includes(word)) return null;
  const lists = [sameLength, await vocabulary(length - 1), await vocabulary(length + 1)];
  return mostFrequentWithin(chars, lists, 1) ??
    (length >= MIN_LENGTH_FOR_TWO_EDITS ? mostFrequentWithin(chars, lists, 2) : null);
}

// The query with each unknown word replaced by its likeliest intended word, or null.
// `keepLast` leaves the last word alone: the reader may still be typing it.
async function correctQuery(query, keepLast, seen) {
  const parts = query.split(WORD_SEPARATOR);
  let changed = false;
  for (let i = 0; i < parts.length - (keepLast ? 1 : 0); i += 2) {
    const correction = await correctWord(parts[i].toLowerCase(), seen);
    if (correction) [parts[i], changed] = [correction, true];
  }
  return changed ? parts.join("") : null;
}

// The words Pagefind makes of a query: lower-cased, punctuation dropped, split at spaces.
const pagefindWords = (query) => query.toLowerCase().replace(/\p{P}/gu, "").split(/\s+/).filter(Boolean);

// What Pagefind is asked for `typed`. On an English site: the query without its stop words
// and the site's common words (stems, as Pagefind indexes them), unless it has nothing else;
// each word as its stem where the stem stems to itself (nearly always: see pagefindSearch).
// Quotes keep every word: Pagefind would search a quoted query as an exact phrase, by where
// its words are on a page, which kb keeps only in part for common words (pagefind_parts.py).
function searchedQuery(typed, commonWords) {
  if (!document.documentElement.lang.toLowerCase().startsWith("en")) return typed.replaceAll('"', " ").trim();
  const words = pagefindWords(typed);
  const kept = typed.includes('"') ? words : words.filter((word) => !STOP_WORDS.has(word) && !commonWords.has(stem(word)));
  return (kept.length > 0 ? kept : words).map((word) => stem(stem(word)) === stem(word) ? stem(word) : word).join(" ");
}

async function pagefindSearch(typed, filters) {
  const { pagefind, commonWords } = await ready;
  const query = searchedQuery(typed, commonWords);
  // Pagefind 1.4 loads the index chunk of each query word as asked, then looks up its stem:
  // where a chunk boundary falls between the two ("simulating" is indexed as "simul"), pages
  // holding the word go unfound, and asked for a word, not its stem, a query loads two chunks
  // of each index. And when it finds no chunk for a word at first, it looks again more
  // loosely only if no other word of the query had one: otherwise the word is silently
  // dropped. Loading the chunks of each word and of its stem, one word at a time, gets every
  // word its chunk (Pagefind's pull request 996, released in 1.5, fixed both).
  if (query) {
    const terms = new Set(pagefindWords(query).flatMap((word) => [word, stem(word)]));
    await Promise.all([...terms].map((term) => pagefind.preload(term, { filters })));
  }
  // A null term is Pagefind's filter-only search: every page that passes the filters.
  const response = await pagefind.search(query || null, { filters });
  // Each result's page is fetched once, whether to check the words or to show it.
  return response.results.map((result) => {
    let data;
    return { ...result, data: () => (data ??= result.data()) };
  });
}

// The words of the first page of results (title and text), lower-cased.
async function wordsOf(results) {
  const pages = await Promise.all(results.slice(0, PAGE_SIZE).map((result) => result.data()));
  const text = pages.map((data) => `${titleOf(data)} ${data.content ?? ""}`).join(" ").toLowerCase();
  return new Set(text.split(WORD_SEPARATOR).filter((_, index) => index % 2 === 0));
}

// The results for a query and filters, or for the query with its mistyped words corrected.
// A word the site never uses is taken for a typo even when Pagefind found something: for an
// unknown word it matches the longest known prefix ("bloch" for "blochx"). `corrected` is set
// only when the corrected query found something; `typing` spares the word being typed while
// results keep coming.
async function searchWithFallback(query, filters, typing = false) {
  if (!query && Object.keys(filters).length === 0) return { results: [] };
  const results = await pagefindSearch(query, filters);
  if (!query) return { results };
  const corrected = await correctQuery(query, typing && results.length > 0, await wordsOf(results));
  if (!corrected) return { results };
  const correctedResults = await pagefindSearch(corrected, filters);
  return correctedResults.length > 0
    ? { results: correctedResults, corrected, originalFound: results.length > 0 }
    : { results };
}

// Only filters with a value; Pagefind treats an empty value as a filter of its own.
const chosenFilters = (filters) =>
  Object.fromEntries(Object.entries(filters).filter(([name, value]) =>
    FILTER_NAMES.includes(name) && value));

const linkTo = (url) => ROOT + url.replace(/^\/+/, "");
const titleOf = (data) => data.meta?.title || data.url;

window.kbSearch = {
  ready,
  async run(query, filters = {}, limit = 10) {
    const { results } = await searchWithFallback(query.trim(), chosenFilters(filters));
    const pages = await Promise.all(results.slice(0, limit).map((result) => result.data()));
    return pages.map((data) => ({ url: linkTo(data.url), title: titleOf(data) }));
  },
};

function element(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children); // strings become text nodes: nothing here is parsed as HTML
  return node;
}

// Excerpts are HTML from the index: untrusted. Rebuild them from text and <mark> only.
function excerptFragment(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const fragment = document.createDocumentFragment();
  const walker = parsed.createTreeWalker(parsed.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    fragment.append(node.parentElement.closest("mark") ? element("mark", "", node.data) : node.data);
  }
  return fragment;
}

function resultItem(data) {
  const link = element("a", "kb-result__link", titleOf(data));
  link.href = linkTo(data.url);
  const heading = element("p", "kb-result__heading", link);
  for (const answer of data.filters?.answer ?? []) {
    heading.append(" ", element("span", "kb-badge kb-badge--answer", answer));
  }
  if (data.filters?.verified?.includes("yes")) {
    heading.append(" ", element("span", "kb-badge kb-badge--verified", "verified"));
  }
  const excerpt = element("p", "kb-result__excerpt", excerptFragment(data.excerpt ?? ""));
  return element("li", "kb-result", heading, excerpt);
}

function describe(count, query, filters, corrected, originalFound) {
  if (corrected && originalFound) return `Showing results for “${corrected}”: “${query}” is not a word on this site.`;
  if (corrected) return `No results for “${query}”. Showing results for “${corrected}”.`;
  const filtered = Object.keys(filters).length > 0;
  if (!query) {
    if (!filtered) return "Type a word to search, or choose a filter.";
    if (count === 0) return "No entries match the chosen filters.";
    return `${count} ${count === 1 ? "entry matches" : "entries match"} the chosen filters.`;
  }
  const scope = filtered ? " with the chosen filters" : "";
  if (count === 0) return `No results for “${query}”${scope}.`;
  return `${count} ${count === 1 ? "result" : "results"} for “${query}”${scope}.`;
}

let generation = 0; // bumped by every search, so a slow older search never overwrites a newer one
let currentResults = []; // every result of the current search, best first
let debounceTimer;

function showUnavailable(error) {
  console.warn("kb search:", error);
  statusLine.textContent = INDEX_UNAVAILABLE;
  resultList.replaceChildren();
  moreButton.hidden = true;
}

const currentFilters = () =>
  chosenFilters(Object.fromEntries(FILTER_NAMES.map((name) => [name, selects[name].value])));

// The address always reproduces the search on screen, so it can be bookmarked or shared.
function syncUrl(query, filters) {
  const url = new URL(location.href);
  url.search = new URLSearchParams({ ...(query ? { q: query } : {}), ...filters }).toString();
  history.replaceState(history.state, "", url);
}

// Shows the next page of results, or with `fresh` the first page in place of the old list;
// the list changes only once the page is ready, so it never flickers empty.
async function showPage(fresh) {
  const thisGeneration = generation;
  const start = fresh ? 0 : resultList.children.length;
  moreButton.disabled = true; // a second click would append the same page twice
  const pages = await Promise.all(
    currentResults.slice(start, start + PAGE_SIZE).map((result) => result.data()));
  if (thisGeneration !== generation) return [];
  const items = pages.map(resultItem);
  if (fresh) resultList.replaceChildren(...items);
  else resultList.append(...items);
  moreButton.disabled = false;
  moreButton.hidden = resultList.children.length >= currentResults.length;
  return items;
}

async function update(typing = false) {
  clearTimeout(debounceTimer);
  const query = input.value.trim();
  const filters = currentFilters();
  syncUrl(query, filters);
  const thisGeneration = ++generation;
  try {
    await ready;
    const stillTyping = typing && !/\s$/.test(input.value);
    const { results, corrected, originalFound } = await searchWithFallback(query, filters, stillTyping);
    if (thisGeneration !== generation) return;
    currentResults = results;
    await showPage(true);
    if (thisGeneration !== generation) return;
    statusLine.textContent = describe(results.length, query, filters, corrected, originalFound);
  } catch (error) {
    if (thisGeneration === generation) showUnavailable(error);
  }
}

// Fills each filter with its values and counts; a filter without values is hidden. They
// come from filters.json, not Pagefind's filters(), which would load every filter chunk of
// every index before the first query.
async function populateFilters() {
  const response = await fetch(indexUrl("filters.json"));
  if (!response.ok) throw new Error(`filters.json: HTTP ${response.status}`);
  const available = await response.json();
  for (const name of FILTER_NAMES) {
    const select = selects[name];
    const chosen = select.value;
    const counts = { ...available[name] };
    // A value from a shared link stays selectable even when the index no longer has it.
    if (chosen && !Object.hasOwn(counts, chosen)) counts[chosen] = 0;
    const values = Object.keys(counts).sort((a, b) => a.localeCompare(b));
    select.replaceChildren(new Option("Any", ""),
      ...values.map((value) => new Option(`${value} (${counts[value]})`, value)));
    select.value = chosen;
    select.closest("[data-filter-field]").hidden = values.length === 0;
  }
  filterSet.hidden = FILTER_NAMES.every(
    (name) => selects[name].closest("[data-filter-field]").hidden);
}

// Arrow keys walk from the input through the result links; Escape goes back to the input.
container.addEventListener("keydown", (event) => {
  const stops = [input, ...resultList.querySelectorAll(".kb-result__link")];
  const index = stops.indexOf(event.target);
  let next;
  if (index === -1) return;
  if (event.key === "ArrowDown") next = stops[index + 1];
  else if (event.key === "ArrowUp" && index > 0) next = stops[index - 1];
  else if (event.key === "Escape" && index > 0) next = input;
  if (!next) return;
  event.preventDefault();
  next.focus();
});

// Capture phase on window, so Material's own "/" shortcut does not also open its dialog.
window.addEventListener("keydown", (event) => {
  const target = event.target;
  const inField = target instanceof Element &&
    (target.isContentEditable || target.closest("input, textarea, select") !== null);
  if (event.key !== "/" || inField || event.ctrlKey || event.metaKey || event.altKey) return;
  event.preventDefault();
  event.stopPropagation();
  input.focus();
  input.select();
}, true);

input.addEventListener("input", () => {
  clearTimeout(debounceTimer);
  debounceTimer = setTimeout(() => update(true), DEBOUNCE_MS);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  update();
});
for (const select of Object.values(selects)) select.addEventListener("change", () => update());
// Keyboard users carry on reading where the new results start.
moreButton.addEventListener("click", () =>
  showPage(false).then((items) => items[0]?.querySelector("a").focus(), showUnavailable));

// Start from the search in the address. Until the index loads, a filter from the address is
// its select's only choice, so typing early does not drop it from the address.
const params = new URLSearchParams(location.search);
input.value = params.get("q") ?? "";
for (const name of FILTER_NAMES) {
  const value = params.get(name);
  if (value) selects[name].append(new Option(value, value, true, true));
}
statusLine.textContent = "Loading the search index…";
populateFilters().catch(showUnavailable);
update();
