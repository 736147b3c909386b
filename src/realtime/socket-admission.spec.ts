import { HttpStatus, UnauthorizedException } from '@nestjs/common';
import type { AuthService } from '../auth/auth.service';
import type { AppConfig } from '../config/app-config';
import type { UsersService } from '../users/users.service';
import type { ChatSocket } from './chat.socket';
import { SocketAdmission } from './socket-admission';

const USER = '64b000000000000000000001';
const SESSION = '64b0000000000000000000aa';

const socketOf = (userId = USER, readyState = 'open'): ChatSocket => ({ data: { user: { userId, sessionId: SESSION, exp: 0 } }, conn: { readyState } }) as unknown as ChatSocket;

describe('SocketAdmission', () => {
  let sut: SocketAdmission;
  let live: boolean;
  let elsewhere: number;

  beforeEach(() => {
    live = true;
    elsewhere = 0;
    const auth = { isSessionLive: jest.fn(async () => live) } as unknown as AuthService;
    const users = { connectionsElsewhere: jest.fn(async () => elsewhere) } as unknown as UsersService;
    sut = new SocketAdmission(auth, users, { wsMaxConnectionsPerUser: 2 } as AppConfig);
  });

  it('refuses a socket of a session that is no longer live', async () => {
    live = false;
    await expect(sut.admit(socketOf())).rejects.toBeInstanceOf(UnauthorizedException);
  });

  it('admits up to the cap over this instance and the others, then answers 429', async () => {
    elsewhere = 1;
    await sut.admit(socketOf());
    await expect(sut.admit(socketOf())).rejects.toMatchObject({ status: HttpStatus.TOO_MANY_REQUESTS });
  });

  it('gives a place back on release, for that user only', async () => {
    await sut.admit(socketOf());
    await sut.admit(socketOf());
    await sut.admit(socketOf('64b000000000000000000002'));
    await expect(sut.admit(socketOf())).rejects.toMatchObject({ status: HttpStatus.TOO_MANY_REQUESTS });

    sut.release(USER);
    await sut.admit(socketOf());
    await expect(sut.admit(socketOf())).rejects.toMatchObject({ status: HttpStatus.TOO_MANY_REQUESTS });
  });

  it('frees every place once all of a user’s sockets are released (a release too many takes nothing below zero)', async () => {
    await sut.admit(socketOf());
    await sut.admit(socketOf());
    sut.release(USER);
    sut.release(USER);
    sut.release(USER);
    await sut.admit(socketOf());
    await sut.admit(socketOf());
    await expect(sut.admit(socketOf())).rejects.toMatchObject({ status: HttpStatus.TOO_MANY_REQUESTS });
  });

  it('takes no place for a client that left while its session and count were looked up (it never connects, so is never released)', async () => {
    await sut.admit(socketOf(USER, 'closed'));
    await sut.admit(socketOf(USER, 'closing'));
    await sut.admit(socketOf());
    await sut.admit(socketOf());
    await expect(sut.admit(socketOf())).rejects.toMatchObject({ status: HttpStatus.TOO_MANY_REQUESTS });
  });
});
