// The Snowball English (Porter2) stemmer, as Pagefind 1.4 applies it to the words it indexes.
// Pagefind 1.4 looks a query word up in the index chunk of the word as typed, not of its
// stem, so it misses pages where a chunk boundary falls between the two ("simulating" is
// indexed as "simul"); the search page preloads the stems' chunks with this.
// Follows the algorithm's description at snowballstem.org/algorithms/english/stemmer.html;
// positions count UTF-16 code units, which is characters for the words it changes.

const VOWELS = "aeiouy";
const DOUBLES = ["bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"];
const LI_ENDINGS = "cdeghkmnrt";
// Words the rules would get wrong, stemmed whole.
const EXCEPTIONS = {
  skis: "ski", skies: "sky", dying: "die", lying: "lie", tying: "tie",
  idly: "idl", gently: "gentl", ugly: "ugli", early: "earli", only: "onli", singly: "singl",
  sky: "sky", news: "news", howe: "howe", atlas: "atlas", cosmos: "cosmos", bias: "bias", andes: "andes",
};
// Left as they are after step 1a: their "-ing" or "-eed" is not a suffix.
const INVARIANT_AFTER_1A = new Set([
  "inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed",
]);
// Prefixes after which R1 starts, where the general rule would put it too early.
const R1_PREFIXES = ["gener", "commun", "arsen"];

// Longest first within each step: a step takes the longest suffix the word ends with.
const STEP_2 = [
  ["ization", "ize"], ["ational", "ate"], ["fulness", "ful"], ["ousness", "ous"],
  ["iveness", "ive"], ["tional", "tion"], ["biliti", "ble"], ["lessli", "less"],
  ["entli", "ent"], ["ation", "ate"], ["alism", "al"], ["aliti", "al"], ["ousli", "ous"],
  ["iviti", "ive"], ["fulli", "ful"], ["enci", "ence"], ["anci", "ance"], ["abli", "able"],
  ["izer", "ize"], ["ator", "ate"], ["alli", "al"], ["bli", "ble"], ["ogi", "og"], ["li", ""],
];
const STEP_3 = [
  ["ational", "ate"], ["tional", "tion"], ["alize", "al"], ["icate", "ic"], ["iciti", "ic"],
  ["ative", ""], ["ical", "ic"], ["ness", ""], ["ful", ""],
];
const STEP_4 = [
  "ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous",
  "ive", "ize", "ion", "al", "er", "ic",
];

const isVowel = (word, i) => VOWELS.includes(word[i]);

// Where the region after the first non-vowel that follows a vowel starts, from `start` on.
function regionAfter(word, start) {
  for (let i = start + 1; i < word.length; i++) {
    if (!isVowel(word, i) && isVowel(word, i - 1)) return i + 1;
  }
  return word.length;
}

// Whether `word` ends in a short syllable: a vowel between two non-vowels, the last not w, x
// or Y; or a vowel then a non-vowel as the whole word.
function endsShort(word) {
  const n = word.length;
  if (n === 2) return isVowel(word, 0) && !isVowel(word, 1);
  return n > 2 && !isVowel(word, n - 3) && isVowel(word, n - 2) &&
    !isVowel(word, n - 1) && !"wxY".includes(word[n - 1]);
}

// [suffix, replacement] for the longest suffix in `rules` that `word` ends with.
const longestRule = (word, rules) => rules.find(([suffix]) => word.endsWith(suffix));

function step1a(word) {
  if (word.endsWith("sses")) return word.slice(0, -2);
  if (word.endsWith("ied") || word.endsWith("ies")) return word.slice(0, word.length > 4 ? -2 : -1);
  if (word.endsWith("us") || word.endsWith("ss")) return word;
  // "s" goes when a vowel comes before the letter before it: "gaps", not "gas".
  if (word.endsWith("s") && /[aeiouy]/.test(word.slice(0, -2))) return word.slice(0, -1);
  return word;
}

function step1b(word, r1) {
  const suffix = ["eedly", "ingly", "edly", "eed", "ing", "ed"].find((s) => word.endsWith(s));
  if (!suffix) return word;
  const start = word.length - suffix.length;
  if (suffix.startsWith("eed")) return start >= r1 ? word.slice(0, start) + "ee" : word;
  const rest = word.slice(0, start);
  if (!/[aeiouy]/.test(rest)) return word;
  if (["at", "bl", "iz"].some((ending) => rest.endsWith(ending))) return rest + "e";
  if (DOUBLES.some((double) => rest.endsWith(double))) return rest.slice(0, -1);
  // A short word ("hop" from "hoping") gets its e back.
  return r1 === rest.length && endsShort(rest) ? rest + "e" : rest;
}

function step1c(word) {
  const n = word.length;
  return n > 2 && "yY".includes(word[n - 1]) && !isVowel(word, n - 2) ? word.slice(0, -1) + "i" : word;
}

function step2(word, r1) {
  const match = longestRule(word, STEP_2);
  if (!match || word.length - match[0].length < r1) return word;
  const [suffix, replacement] = match;
  const rest = word.slice(0, -suffix.length);
  if (suffix === "ogi" && !rest.endsWith("l")) return word;
  if (suffix === "li" && !LI_ENDINGS.includes(rest.at(-1))) return word;
  return rest + replacement;
}

function step3(word, r1, r2) {
  const match = longestRule(word, STEP_3);
  if (!match) return word;
  const [suffix, replacement] = match;
  const start = word.length - suffix.length;
  if (start < (suffix === "ative" ? r2 : r1)) return word;
  return word.slice(0, start) + replacement;
}

function step4(word, r2) {
  const suffix = STEP_4.find((ending) => word.endsWith(ending));
  if (!suffix) return word;
  const start = word.length - suffix.length;
  if (start < r2) return word;
  if (suffix === "ion" && !"st".includes(word[start - 1])) return word;
  return word.slice(0, start);
}

function step5(word, r1, r2) {
  const start = word.length - 1;
  if (word.endsWith("e") && (start >= r2 || (start >= r1 && !endsShort(word.slice(0, -1))))) {
    return word.slice(0, -1);
  }
  if (word.endsWith("ll") && start >= r2) return word.slice(0, -1);
  return word;
}

// The stem of one lower-case word.
export function stem(word) {
  if (Object.hasOwn(EXCEPTIONS, word)) return EXCEPTIONS[word];
  if (word.length < 3) return word;
  // A y that starts the word or follows a vowel is a consonant: marked Y until the end.
  let marked = word.replace(/^'/, "").replace(/^y/, "Y").replace(/([aeiouy])y/g, "$1Y");
  const prefix = R1_PREFIXES.find((p) => marked.startsWith(p));
  const r1 = prefix ? prefix.length : regionAfter(marked, 0);
  const r2 = regionAfter(marked, r1);
  marked = step1a(marked.replace(/'(s'?)?$/, ""));
  if (!INVARIANT_AFTER_1A.has(marked)) {
    marked = step1b(marked, r1);
    marked = step1c(marked);
    marked = step2(marked, r1);
    marked = step3(marked, r1, r2);
    marked = step4(marked, r2);
    marked = step5(marked, r1, r2);
  }
  return marked.replaceAll("Y", "y");
}
