import { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { createTestApp, databaseUri, TestApp } from './helpers/app';

// A file of its own: the app's configuration (its database) is read once per test file.
describe('Indexes earlier versions declared (e2e)', () => {
  it('are dropped at start-up, and an index added by hand is left alone', async () => {
    const database = `chatify_test_${randomBytes(6).toString('hex')}`;
    const client = new MongoClient(databaseUri(database));
    await client.connect();
    let t: TestApp | undefined;
    try {
      const db = client.db(database);
      await db.collection('conversations').createIndex({ _id: 1, changedAt: 1 });
      await db.collection('memberships').createIndex({ conversationId: 1, userId: 1 }, { unique: true });
      await db.collection('memberships').createIndex({ joinedAt: 1 }, { name: 'added_by_hand' });
      t = await createTestApp({}, { database });
      const names = async (collection: string) => (await db.collection(collection).listIndexes().toArray()).map((index) => index.name as string);
      expect(await names('conversations')).not.toContain('_id_1_changedAt_1');
      expect(await names('memberships')).not.toContain('conversationId_1_userId_1');
      expect(await names('memberships')).toContain('added_by_hand');
    } finally {
      await t?.close();
      await client.close();
    }
  });
});
