import { Injectable } from '@nestjs/common';
import { hash, hashSync, verify } from '@node-rs/bcrypt';
import { createHash } from 'node:crypto';
import { AppConfig } from '../config/app-config';

/**
 * bcrypt reads only the first 72 bytes of its input, and a password may be 128 characters (up to
 * 512 bytes of UTF-8): two passwords sharing those 72 bytes would both open the account. A SHA-256
 * digest (44 base64 characters) keeps every character significant; bcrypt still salts and slows it.
 */
function passwordDigest(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}

/**
 * Password hashes: bcrypt (`$2b$`, cost BCRYPT_ROUNDS) over a SHA-256 pre-digest. The native hasher
 * runs on libuv's thread pool, never on the event loop, so a burst of logins does not stall every
 * socket of the process. It reads the `$2a$`/`$2b$` hashes stored before (bcryptjs) unchanged.
 */
@Injectable()
export class PasswordHasher {
  /** Compared against when the e-mail is unknown, so both failures cost the same. */
  private readonly dummyHash: string;

  constructor(private readonly config: AppConfig) {
    this.dummyHash = hashSync(passwordDigest('not-a-real-password'), config.bcryptRounds);
  }

  hash(password: string): Promise<string> {
    return hash(passwordDigest(password), this.config.bcryptRounds);
  }

  /** Whether `password` matches `stored`; with no stored hash, the same work against a dummy one, and false. */
  async matches(password: string, stored: string | null): Promise<boolean> {
    const matches = await verify(passwordDigest(password), stored ?? this.dummyHash);
    return stored !== null && matches;
  }
}
