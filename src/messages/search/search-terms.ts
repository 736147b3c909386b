/**
 * snowball-stemmers ships no types. Its `english` is the Porter2 ("Snowball English") stemmer, the
 * algorithm MongoDB's English text index and PostgreSQL's `english` configuration both use, so the
 * words search requires are the forms the text index finds. One stemmer object serves every call:
 * `stem` sets its state from the word it is given and reads nothing left from a previous word.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { newStemmer } = require('snowball-stemmers') as { newStemmer(this: void, language: 'english'): { stem(word: string): string } };
const english = newStemmer('english');

/** The Porter2 stem of one lower-case word (snowballstem.org/algorithms/english). */
export function stemEnglish(word: string): string {
  return english.stem(word);
}

/**
 * How message text and search queries become words, the same way the English text index sees them:
 * split on anything that is not a letter, digit or inner apostrophe, lower-cased, diacritics folded
 * ("Café" = "cafe"), stop words dropped, then stemmed ("running" = "runs" = "run").
 */

/** MongoDB's English stop words (its source's stop_words_english.txt, in the mongodb/mongo repository): words a text index ignores. */
const STOP_WORDS = new Set(
  `a about above after again against all am an and any are aren't as at be because been before being below between both but by
  can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from further had hadn't has hasn't
  have haven't having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is
  isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only or other ought our ours ourselves
  out over own same shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves
  then there there's these they they'd they'll they're they've this those through to too under until up very was wasn't we we'd
  we'll we're we've were weren't what what's when when's where where's which while who who's whom why why's with won't would
  wouldn't you you'd you'll you're you've your yours yourself yourselves`.split(/\s+/),
);

/** Anything outside ASCII: only such text can hold diacritics to fold. */
// eslint-disable-next-line no-control-regex -- \x00 is the low end of the ASCII range, not a control character looked for
const NON_ASCII = /[^\x00-\x7f]/;

/** The words of a text that are not stop words, lower-cased with diacritics folded, in order. */
export function searchWords(text: string): string[] {
  // ASCII is its own NFD and has no combining marks.
  const folded = NON_ASCII.test(text)
    ? text
        .normalize('NFD')
        .replace(/\p{M}+/gu, '')
        .toLowerCase()
    : text.toLowerCase();
  return folded
    .split(/[^\p{L}\p{N}'’]+/u)
    .map((word) => word.replace(/’/g, "'").replace(/^'+|'+$/g, ''))
    .filter((word) => word.length > 0 && !STOP_WORDS.has(word));
}

/** The distinct stems of a text's words: what a message stores and a query requires. */
export function searchTermsOf(text: string): string[] {
  return [...new Set(searchWords(text).map(stemOf))].slice(0, MAX_TERMS);
}

/**
 * Stems of the words seen lately. A language's common words make up most of any text, and stemming
 * a word costs more than the rest of a send's checks; bounded (emptied when full), and only for
 * words of ordinary length.
 */
const stems = new Map<string, string>();
const STEMS_KEPT = 20_000;
const STEM_CACHED_LENGTH = 40;

/** `stemEnglish`, remembered. */
export function stemOf(word: string): string {
  if (word.length > STEM_CACHED_LENGTH) return stemEnglish(word);
  let stem = stems.get(word);
  if (stem === undefined) {
    if (stems.size >= STEMS_KEPT) stems.clear();
    stem = stemEnglish(word);
    stems.set(word, stem);
  }
  return stem;
}

/** A message keeps at most this many distinct terms (4,000 characters hold fewer in practice). */
const MAX_TERMS = 2000;
