import { Inject, Injectable, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { TopologyDescriptionChangedEvent } from 'mongodb';
import type { Connection } from 'mongoose';

/** Server types a write can go to (a replica set's secondaries cannot take one). */
const WRITABLE = new Set(['Standalone', 'RSPrimary', 'Mongos', 'LoadBalancer']);

/** True when one of the servers the driver monitors can take a write now. */
export function canWrite(servers: Iterable<{ type: string }>): boolean {
  for (const server of servers) if (WRITABLE.has(server.type)) return true;
  return false;
}

/**
 * Whether the driver can reach a database server that takes writes right now, from its own
 * monitoring (SDAM events). Once a command's connection broke or a heartbeat failed, the server is
 * `Unknown` until it answers again (the monitor then checks every half second); a replica set
 * electing a primary has no writable server either. Writes that would only wait
 * serverSelectionTimeoutMS to fail anyway are refused at once with 503 instead, so an outage answers
 * quickly and piles nothing up; nothing refused here was acknowledged.
 */
@Injectable()
export class DatabaseAvailability implements OnModuleInit {
  private reachable = true;

  constructor(@Inject(getConnectionToken()) private readonly connection: Connection) {}

  onModuleInit(): void {
    this.connection.getClient().on('topologyDescriptionChanged', (event: TopologyDescriptionChangedEvent) => {
      this.reachable = canWrite(event.newDescription.servers.values());
    });
  }

  get available(): boolean {
    return this.reachable;
  }

  /** Throws 503 while no database server is reachable. */
  assertAvailable(): void {
    if (!this.reachable) throw new ServiceUnavailableException('The database is unavailable; retry shortly');
  }
}
