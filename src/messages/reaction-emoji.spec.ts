import { BadRequestException } from '@nestjs/common';
import { toReactionEmoji } from './reaction-emoji';

describe('toReactionEmoji', () => {
  it.each(['👍', '👍🏽', '❤️', '🇫🇷', '1️⃣', '👨‍👩‍👧', '🏳️‍🌈', '😀'])('takes %s as one emoji', (emoji) => {
    expect(toReactionEmoji(emoji)).toBe(emoji);
  });

  it('takes a text-style symbol as its emoji form, so both spellings are one reaction', () => {
    expect(toReactionEmoji('❤')).toBe('❤️');
    expect(toReactionEmoji('❤\uFE0E')).toBe('❤️');
  });

  it.each(['', 'a', '1', '#', '👍👍', '👍 ', 'ok', '<b>', 'x'.repeat(40), '\u200d'])('refuses %j with a 400', (value) => {
    expect(() => toReactionEmoji(value)).toThrow(BadRequestException);
  });

  it('refuses what is not a string', () => {
    expect(() => toReactionEmoji(undefined)).toThrow(BadRequestException);
    expect(() => toReactionEmoji(['👍'])).toThrow(BadRequestException);
  });
});
