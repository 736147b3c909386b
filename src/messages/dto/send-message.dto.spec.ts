import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe } from '../../common/pipes/validation';
import { SEND_MESSAGE_SHORTCUT, SendMessageDto, sendMessageShortcut } from './send-message.dto';

const metadata: ArgumentMetadata = { type: 'body', metatype: SendMessageDto, data: undefined };
const ID = '65a1b2c3d4e5f60718293a4b';
const UPPER_ID = '65A1B2C3D4E5F60718293A4B';

/** What the full pipe makes of a payload: the DTO, or the words of its 400. */
async function full(payload: unknown): Promise<{ dto?: unknown; errors?: unknown }> {
  try {
    return { dto: await createValidationPipe().transform(JSON.parse(JSON.stringify(payload)), metadata) };
  } catch (error) {
    return { errors: (error as { getResponse(): unknown }).getResponse() };
  }
}

/** Own keys in order, values, and class: what a handler could tell apart. */
function shape(dto: unknown): unknown {
  return { prototype: Object.getPrototypeOf(dto), entries: Object.entries(dto as object) };
}

const accepted: unknown[] = [
  { conversationId: ID, text: 'hello', clientId: 'c-1' },
  { conversationId: UPPER_ID, text: '  padded  ', clientId: 'x'.repeat(128) },
  { recipientId: ID, text: 'to a user' },
  { clientId: 'first', text: 'keys in another order', conversationId: ID },
  { conversationId: ID, text: 'a reply', replyToId: UPPER_ID, mentions: [UPPER_ID, ID] },
  { conversationId: ID, text: 'no mentions', mentions: [] },
  { conversationId: ID, recipientId: ID, text: 'both ids: the service refuses it, not the pipe' },
  { conversationId: ID, text: 'é ü 漢字 and emoji 🎉' },
  { conversationId: ID, text: 'x'.repeat(100_000) },
];

const declined: unknown[] = [
  null,
  'text',
  [],
  42,
  {},
  { conversationId: ID },
  { conversationId: ID, text: '   ' },
  { conversationId: ID, text: 42 },
  { conversationId: ID, text: null },
  { conversationId: ID, text: 'x'.repeat(100_001) },
  { conversationId: 'not-an-id', text: 'hi' },
  { conversationId: `0x${ID.slice(2)}`, text: 'hi' },
  { conversationId: null, text: 'hi' },
  { conversationId: ID, text: 'hi', clientId: '' },
  { conversationId: ID, text: 'hi', clientId: 'x'.repeat(129) },
  { conversationId: ID, text: 'hi', clientId: '\uFE0F' },
  { conversationId: ID, text: 'hi', clientId: '🎉'.repeat(64) },
  { conversationId: ID, text: 'hi', clientId: 7 },
  { conversationId: ID, text: 'hi', mentions: 'not an array' },
  { conversationId: ID, text: 'hi', mentions: [ID, 'nope'] },
  { conversationId: ID, text: 'hi', mentions: Array.from({ length: 51 }, () => ID) },
  { conversationId: ID, text: 'hi', extra: true },
  JSON.parse(`{"conversationId":"${ID}","text":"hi","__proto__":{"admin":true}}`),
  { conversationId: ID, text: { nested: 'object' } },
];

describe('sendMessageShortcut', () => {
  it.each(accepted.map((payload) => [payload]))('gives the DTO the full pipe gives (accepted case %#)', async (payload) => {
    const sut = sendMessageShortcut(JSON.parse(JSON.stringify(payload)));
    const expected = await full(payload);
    expect(expected.errors).toBeUndefined();
    expect(sut).toBeInstanceOf(SendMessageDto);
    expect(shape(sut)).toEqual(shape(expected.dto));
  });

  it.each(declined.map((payload) => [payload]))('leaves the unusual or invalid to the full pipe (declined case %#)', (payload) => {
    expect(sendMessageShortcut(payload)).toBeUndefined();
  });

  it('never accepts what the full pipe refuses, and answers the same errors through the pipe', async () => {
    const sut = createValidationPipe([SEND_MESSAGE_SHORTCUT]);
    for (const payload of [...accepted, ...declined]) {
      const expected = await full(payload);
      const actual: { dto?: unknown; errors?: unknown } = await Promise.resolve(sut.transform(payload, metadata)).then(
        (dto: unknown) => ({ dto }),
        (error: { getResponse(): unknown }) => ({ errors: error.getResponse() }),
      );
      if (expected.errors) expect(actual).toEqual(expected);
      else expect(shape(actual.dto)).toEqual(shape(expected.dto));
    }
  });
});
