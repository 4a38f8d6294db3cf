/**
 * The server's stable error codes (COIL-SVnnn) with their HTTP status. Refusals of the engine keep
 * their own codes (COIL-RTnnn, runtime/src/engine/codes.ts) and get the status `refusalStatus`
 * gives them. Documented in docs/server.md; a test checks that every code is.
 */
export const SERVER_ERRORS = {
    'COIL-SV001': [400, 'the request does not match its schema (a missing or unknown field, a wrong type)'],
    'COIL-SV002': [400, 'the body is not valid JSON'],
    'COIL-SV003': [413, 'the body is too large'],
    'COIL-SV004': [415, 'the body is not application/json'],
    'COIL-SV005': [404, 'no such route'],
    'COIL-SV010': [401, 'no bearer token: sign in first'],
    'COIL-SV011': [401, 'the token is unknown, expired or signed out, or the account is disabled'],
    'COIL-SV012': [401, 'wrong user id or password'],
    'COIL-SV013': [429, 'too many failed attempts: the account or address is locked for a while'],
    'COIL-SV020': [403, 'the user does not hold a role the operation needs'],
    'COIL-SV030': [403, 'the signing challenge is unknown, expired or already used (a replayed signature)'],
    'COIL-SV031': [403, 'the signature\'s password or user id is wrong'],
    'COIL-SV032': [403, 'the signing challenge was issued to another session or for another record (a transplanted signature)'],
    'COIL-SV033': [403, 'the first signature of a session needs both components: user id and password'],
    'COIL-SV040': [422, 'the definition is not approved for GMP batches'],
    'COIL-SV041': [404, 'no such definition'],
    'COIL-SV042': [409, 'the user has already approved this definition with this meaning'],
    'COIL-SV050': [404, 'no such batch'],
    'COIL-SV051': [409, 'the batch kept changing under the command: retry'],
    'COIL-SV060': [503, 'the server is shutting down'],
    'COIL-SV099': [500, 'an internal error: the request id is in the server log'],
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;

/** The HTTP status of an engine refusal. */
export function refusalStatus(code: string): number {
    switch (code) {
        case 'COIL-RT001': case 'COIL-RT006': case 'COIL-RT033': return 404;
        case 'COIL-RT009': case 'COIL-RT010': case 'COIL-RT011': return 403;
        case 'COIL-RT030': return 400;
        case 'COIL-RT034': return 409;
        default: return 422;
    }
}

/** An error a handler throws to answer with a code; the error handler turns it into the response. */
export class HttpError extends Error {
    readonly status: number;
    constructor(readonly code: ServerErrorCode, message: string, readonly extra: Record<string, unknown> = {}) {
        super(message);
        this.status = SERVER_ERRORS[code][0];
    }
}
