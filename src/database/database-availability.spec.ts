import { canWrite } from './database-availability';

describe('canWrite (DatabaseAvailability)', () => {
  it('is true while a standalone server, a primary, a mongos or a load balancer is known', () => {
    for (const type of ['Standalone', 'RSPrimary', 'Mongos', 'LoadBalancer']) expect(canWrite([{ type: 'Unknown' }, { type }])).toBe(true);
  });

  it('is false when every server is unknown, when only secondaries are left (an election), and with no server at all', () => {
    expect(canWrite([{ type: 'Unknown' }])).toBe(false);
    expect(canWrite([{ type: 'RSSecondary' }, { type: 'RSArbiter' }, { type: 'Unknown' }])).toBe(false);
    expect(canWrite([])).toBe(false);
  });
});
