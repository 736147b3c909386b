import { ArrayMaxSize, IsArray } from 'class-validator';
import type { PresenceSubscribePayload } from '../chat.events';
import { ObjectIdField } from '../../common/object-id';

/** How many users one `presence:subscribe` may name (a large contact list; more takes several calls). */
export const PRESENCE_SUBSCRIBE_MAX_IDS = 500;

/** How many users one connection may follow in total (each is a room the connection is in). */
export const PRESENCE_MAX_SUBSCRIPTIONS = 5000;

/** `presence:subscribe`: the socket receives `presence` for each of these users from now on. */
export class PresenceSubscribePayloadDto implements PresenceSubscribePayload {
  @IsArray()
  @ArrayMaxSize(PRESENCE_SUBSCRIBE_MAX_IDS)
  @ObjectIdField('each of userIds must be a valid id', { each: true })
  userIds: string[];
}
