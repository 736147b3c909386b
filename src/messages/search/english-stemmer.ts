/**
 * The Porter2 ("Snowball English") stemmer, the algorithm MongoDB's English text index and
 * PostgreSQL's `english` configuration both use, so the words search requires (`searchTerms`) are
 * the forms the text index finds. Input: one lower-case word. Spec: snowballstem.org/algorithms/english.
 */

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);
const DOUBLES = ['bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt'];
const LI_ENDINGS = new Set(['c', 'd', 'e', 'g', 'h', 'k', 'm', 'n', 'r', 't']);

const EXCEPTIONS: Record<string, string> = {
  skis: 'ski', skies: 'sky', dying: 'die', lying: 'lie', tying: 'tie', idly: 'idl', gently: 'gentl', ugly: 'ugli', early: 'earli',
  only: 'onli', singly: 'singl', sky: 'sky', news: 'news', howe: 'howe', atlas: 'atlas', cosmos: 'cosmos', bias: 'bias', andes: 'andes',
};
const AFTER_STEP_1A = new Set(['inning', 'outing', 'canning', 'herring', 'earring', 'proceed', 'exceed', 'succeed']);

const STEP_2: [string, string][] = [
  ['ization', 'ize'], ['ational', 'ate'], ['fulness', 'ful'], ['ousness', 'ous'], ['iveness', 'ive'], ['tional', 'tion'], ['biliti', 'ble'],
  ['lessli', 'less'], ['entli', 'ent'], ['ation', 'ate'], ['alism', 'al'], ['aliti', 'al'], ['ousli', 'ous'], ['iviti', 'ive'], ['fulli', 'ful'],
  ['enci', 'ence'], ['anci', 'ance'], ['abli', 'able'], ['izer', 'ize'], ['ator', 'ate'], ['alli', 'al'], ['bli', 'ble'], ['ogi', 'og'], ['li', ''],
];
const STEP_3: [string, string][] = [
  ['ational', 'ate'], ['tional', 'tion'], ['alize', 'al'], ['icate', 'ic'], ['iciti', 'ic'], ['ative', ''], ['ical', 'ic'], ['ness', ''], ['ful', ''],
];
const STEP_4 = ['ement', 'ance', 'ence', 'able', 'ible', 'ment', 'ant', 'ent', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'ion', 'al', 'er', 'ic'];

const isVowel = (char: string | undefined) => char !== undefined && VOWELS.has(char);

/** Start of the region after the first non-vowel that follows a vowel, from `from` on. */
function regionAfter(word: string, from: number): number {
  for (let i = from + 1; i < word.length; i += 1) {
    if (!isVowel(word[i]) && isVowel(word[i - 1])) return i + 1;
  }
  return word.length;
}

/** A short syllable ends the word at `end`: vowel, then a non-vowel other than w, x, Y, after a non-vowel (or a vowel-first two-letter start). */
function endsWithShortSyllable(word: string, end = word.length): boolean {
  if (end === 2) return isVowel(word[0]) && !isVowel(word[1]);
  if (end < 3) return false;
  const [a, b, c] = [word[end - 3], word[end - 2], word[end - 1]];
  return !isVowel(a) && isVowel(b) && !isVowel(c) && c !== 'w' && c !== 'x' && c !== 'Y';
}

export function stemEnglish(input: string): string {
  let word = input.startsWith("'") ? input.slice(1) : input;
  if (EXCEPTIONS[word]) return EXCEPTIONS[word];
  if (word.length <= 2) return word;

  // Y as a consonant: at the start, and after a vowel.
  word = word.replace(/^y/, 'Y').replace(/([aeiouy])y/g, '$1Y');
  const r1 = /^(gener|commun|arsen)/.test(word) ? word.match(/^(gener|commun|arsen)/)![0].length : regionAfter(word, 0);
  const r2 = regionAfter(word, r1);
  const inR1 = (suffix: string) => word.length - suffix.length >= r1;
  const inR2 = (suffix: string) => word.length - suffix.length >= r2;
  const chop = (suffix: string, replacement = '') => {
    word = word.slice(0, word.length - suffix.length) + replacement;
  };
  const hasVowelBefore = (suffix: string) => /[aeiouy]/.test(word.slice(0, word.length - suffix.length));

  // Step 0: possessives.
  for (const suffix of ["'s'", "'s", "'"]) {
    if (word.endsWith(suffix)) {
      chop(suffix);
      break;
    }
  }

  // Step 1a.
  if (word.endsWith('sses')) chop('sses', 'ss');
  else if (word.endsWith('ied') || word.endsWith('ies')) chop('ies', word.length > 4 ? 'i' : 'ie');
  else if (word.endsWith('us') || word.endsWith('ss')) {
    // unchanged
  } else if (word.endsWith('s') && /[aeiouy]/.test(word.slice(0, -2))) chop('s');
  if (AFTER_STEP_1A.has(word)) return word;

  // Step 1b.
  const eed = ['eedly', 'eed'].find((suffix) => word.endsWith(suffix));
  if (eed) {
    if (inR1(eed)) chop(eed, 'ee');
  } else {
    const ed = ['ingly', 'edly', 'ing', 'ed'].find((suffix) => word.endsWith(suffix));
    if (ed && hasVowelBefore(ed)) {
      chop(ed);
      if (word.endsWith('at') || word.endsWith('bl') || word.endsWith('iz')) word += 'e';
      else if (DOUBLES.some((double) => word.endsWith(double))) word = word.slice(0, -1);
      else if (endsWithShortSyllable(word) && r1 >= word.length) word += 'e';
    }
  }

  // Step 1c.
  if (word.length > 2 && (word.endsWith('y') || word.endsWith('Y')) && !isVowel(word[word.length - 2])) chop('y', 'i');

  // Step 2.
  const two = STEP_2.find(([suffix]) => word.endsWith(suffix));
  if (two && inR1(two[0])) {
    const [suffix, replacement] = two;
    if (suffix === 'ogi') {
      if (word[word.length - 4] === 'l') chop(suffix, replacement);
    } else if (suffix === 'li') {
      if (LI_ENDINGS.has(word[word.length - 3])) chop(suffix);
    } else chop(suffix, replacement);
  }

  // Step 3.
  const three = STEP_3.find(([suffix]) => word.endsWith(suffix));
  if (three && inR1(three[0])) {
    const [suffix, replacement] = three;
    if (suffix !== 'ative' || inR2(suffix)) chop(suffix, replacement);
  }

  // Step 4.
  const four = STEP_4.find((suffix) => word.endsWith(suffix));
  if (four && inR2(four)) {
    if (four !== 'ion' || /[st]$/.test(word.slice(0, -3))) chop(four);
  }

  // Step 5.
  if (word.endsWith('e') && (inR2('e') || (inR1('e') && !endsWithShortSyllable(word, word.length - 1)))) chop('e');
  else if (word.endsWith('ll') && inR2('l')) chop('l');

  return word.replace(/Y/g, 'y');
}
