/**
 * Passwords, stored as scrypt hashes with a per-user random salt (node:crypto). The parameters
 * are kept in the stored text, so that they can be raised later without invalidating old hashes.
 * scrypt is deliberately slow (about 40 ms per check at N = 2^14 on these 2-core machines): it runs on libuv's thread pool, so
 * the event loop keeps serving other requests while a password is checked.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParameters {
    /** CPU and memory cost, a power of two. */
    readonly N: number;
    readonly r: number;
    readonly p: number;
}

/** The parameters of the scrypt paper for interactive logins: 16 MiB and tens of milliseconds per check. */
export const DEFAULT_SCRYPT: ScryptParameters = { N: 2 ** 14, r: 8, p: 1 };

export const MIN_PASSWORD_LENGTH = 10;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
    const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
    return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** Why a new password is not acceptable, or null. */
export function passwordProblem(password: string): string | null {
    if (password.length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
    if (password.length > 1000) return 'a password may have at most 1,000 characters';
    if (password.includes('\u0000')) return 'a password may not contain NUL';
    return null;
}

export async function hashPassword(password: string, params: ScryptParameters = DEFAULT_SCRYPT): Promise<string> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, params);
    return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Checks a password against a stored hash in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
    const [N, r, p] = parts.slice(1, 4).map(Number);
    const salt = Buffer.from(parts[4], 'base64');
    const expected = Buffer.from(parts[5], 'base64');
    if (![N, r, p].every(Number.isSafeInteger) || expected.length !== KEY_LENGTH) return false;
    const key = await derive(password, salt, { N, r, p });
    return timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same time as a real check, for an unknown or disabled user, so that response times do
 * not tell which user ids exist.
 */
export async function spendPasswordCheck(password: string): Promise<false> {
    dummy ??= hashPassword('not a real password', DEFAULT_SCRYPT);
    await verifyPassword(password, await dummy);
    return false;
}
