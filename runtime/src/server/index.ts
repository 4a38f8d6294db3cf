/**
 * The runtime server (`@coil/runtime/server`): a subpath of its own, so that what only executes
 * batches (`coil test`, `coil run`) never loads the HTTP framework.
 */
export { buildServer, type ServerOptions } from './app.js';
export { SERVER_ERRORS, refusalStatus, HttpError, type ServerErrorCode } from './codes.js';
export { SqliteDirectory, DirectoryError, newUserProblem, actorOf, approvalHash, tokenId, type User, type Qualification, type Session, type Approval, type SecurityEntry, type Challenge, type SignatureSubject } from './directory.js';
export { hashPassword, verifyPassword, passwordProblem, MIN_PASSWORD_LENGTH, DEFAULT_SCRYPT, type ScryptParameters } from './passwords.js';
export { batchRecord, batchRecordHtml, type RecordInput, type BatchRecordDocument } from './record.js';
export { COMMAND_OPERATIONS, type CommandOperation } from './schemas.js';
