import { Inject, Injectable, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { TopologyDescriptionChangedEvent } from 'mongodb';
import type { Connection } from 'mongoose';

/**
 * Whether the driver can reach a database server right now, from its own monitoring (SDAM events):
 * once a command's connection broke or a heartbeat failed, every server is `Unknown` until one
 * answers again (the monitor then checks every half second). Writes that would only wait
 * serverSelectionTimeoutMS to fail anyway are refused at once with 503 instead, so an outage
 * answers quickly and piles nothing up; nothing refused here was acknowledged.
 */
@Injectable()
export class DatabaseAvailability implements OnModuleInit {
  private reachable = true;

  constructor(@Inject(getConnectionToken()) private readonly connection: Connection) {}

  onModuleInit(): void {
    this.connection.getClient().on('topologyDescriptionChanged', (event: TopologyDescriptionChangedEvent) => {
      const servers = [...event.newDescription.servers.values()];
      this.reachable = servers.some((server) => server.type !== 'Unknown');
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
