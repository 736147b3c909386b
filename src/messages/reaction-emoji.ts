import { BadRequestException } from '@nestjs/common';

/** How many different emoji one message may carry (a 21st distinct one is a 409). */
export const MAX_DISTINCT_REACTIONS = 20;

// One fully-qualified emoji as Unicode lists them (RGI: flags, keycaps, skin tones, ZWJ families);
// built at run time because the `v` flag is newer than the compile target.
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
const VARIATION_SELECTOR_16 = '\uFE0F';
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The reaction a path segment names: exactly one emoji (a single grapheme cluster that Unicode
 * recommends as emoji), else 400. A text-style symbol that has an emoji form ("❤" for "❤️") is
 * taken as that form, so both spellings are the same reaction.
 */
export function toReactionEmoji(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 32) throw new BadRequestException(INVALID);
  const candidate = value.normalize('NFC');
  if ([...graphemes.segment(candidate)].length !== 1) throw new BadRequestException(INVALID);
  if (RGI_EMOJI.test(candidate)) return candidate;
  const emojiForm = candidate.replace(/\uFE0E$/, '') + VARIATION_SELECTOR_16;
  if (RGI_EMOJI.test(emojiForm)) return emojiForm;
  throw new BadRequestException(INVALID);
}

const INVALID = 'emoji must be exactly one emoji';
