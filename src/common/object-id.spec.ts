import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ObjectIdField, isObjectId } from './object-id';
import { ParseObjectIdPipe } from './pipes/parse-object-id.pipe';

class Body {
  @ObjectIdField('userId must be a valid id')
  userId: string;

  @ObjectIdField('each of memberIds must be a valid id', { each: true })
  memberIds: string[];
}

const ID = '0123456789abcdef01234567';

function check(plain: object): { body: Body; messages: string[] } {
  const body = plainToInstance(Body, plain);
  return { body, messages: validateSync(body).flatMap((error) => Object.values(error.constraints ?? {})) };
}

describe('canonical ids', () => {
  it('lower-cases ids in DTO fields and arrays', () => {
    const { body, messages } = check({ userId: ID.toUpperCase(), memberIds: [ID.toUpperCase(), ID] });
    expect(messages).toEqual([]);
    expect(body).toEqual({ userId: ID, memberIds: [ID, ID] });
  });

  it("refuses 0x-prefixed, short, non-hex and non-string ids with the field's message", () => {
    for (const bad of [`0x${'a'.repeat(22)}`, '0X' + 'A'.repeat(22), ID.slice(1), `${ID.slice(1)}g`, 42, null, { $gt: '' }, [ID]]) {
      expect(check({ userId: bad, memberIds: [] }).messages).toEqual(['userId must be a valid id']);
    }
    expect(check({ userId: ID, memberIds: [ID, '0x0123456789abcdef012345'] }).messages).toEqual(['each of memberIds must be a valid id']);
  });

  it('isObjectId accepts the canonical form only', () => {
    expect(isObjectId(ID)).toBe(true);
    expect(isObjectId(ID.toUpperCase())).toBe(false);
    expect(isObjectId(`0x${'a'.repeat(22)}`)).toBe(false);
  });

  it('the route pipe answers the canonical form, and 400 naming the parameter otherwise', () => {
    const sut = new ParseObjectIdPipe();
    expect(sut.transform(ID.toUpperCase(), { type: 'param', data: 'id' })).toBe(ID);
    expect(() => sut.transform(`0x${'a'.repeat(22)}`, { type: 'param', data: 'userId' })).toThrow('userId must be a valid id');
  });
});
