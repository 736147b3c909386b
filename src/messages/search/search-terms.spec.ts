import { searchTermsOf, searchWords, stemEnglish, stemOf } from './search-terms';

describe('stemEnglish (Porter2)', () => {
  it.each([
    ['running', 'run'],
    ['runs', 'run'],
    ['run', 'run'],
    ['cats', 'cat'],
    ['caresses', 'caress'],
    ['ponies', 'poni'],
    ['ties', 'tie'],
    ['hopping', 'hop'],
    ['hoped', 'hope'],
    ['agreed', 'agre'],
    ['generously', 'generous'],
    ['happiness', 'happi'],
    ['happy', 'happi'],
    ['national', 'nation'],
    ['relational', 'relat'],
    ['dying', 'die'],
    ['skies', 'sky'],
    ['news', 'news'],
    ['succeeding', 'succeed'],
    ['meeting', 'meet'],
    ['meetings', 'meet'],
    ['communication', 'communic'],
    ['generalization', 'general'],
    ["dog's", 'dog'],
    ['controlling', 'control'],
    ['fly', 'fli'],
    ['by', 'by'],
    ['cry', 'cri'],
    ['sky', 'sky'],
    ['yelling', 'yell'],
    // A word that is also a property of every object: the hand-written stemmer's exception table answered Object here.
    ['constructor', 'constructor'],
  ])('%s → %s', (word, stem) => {
    expect(stemEnglish(word)).toBe(stem);
  });
});

describe('search words and terms', () => {
  it('lower-cases, folds diacritics, splits on punctuation and drops stop words', () => {
    expect(searchWords('The CAFÉ, and — the crème brûlée!')).toEqual(['cafe', 'creme', 'brulee']);
    expect(searchWords("Don't stop O'Brien's band")).toEqual(['stop', "o'brien's", 'band']);
    expect(searchWords('the and of ... !!!')).toEqual([]);
  });

  it('remembers stems without changing them, also for words too long to remember', () => {
    const words = ['running', 'generalization', 'skies', "dog's", 'yelling', `${'x'.repeat(60)}ing`];
    for (let round = 0; round < 2; round += 1) {
      for (const word of words) expect(stemOf(word)).toBe(stemEnglish(word));
    }
  });

  it('reads plain ASCII text as the folding path does', () => {
    expect(searchWords("Benchmark message: the quick brown fox, 0123456789 DON'T")).toEqual(['benchmark', 'message', 'quick', 'brown', 'fox', '0123456789']);
    expect(searchWords('Cafe CAFÉ café')).toEqual(['cafe', 'cafe', 'cafe']);
  });

  it('stores each stem once', () => {
    expect(searchTermsOf('Running runs; the runner ran')).toEqual(['run', 'runner', 'ran']);
  });
});
