/**
 * The parts of @agent-id/did that need Node: the keystore and key files, the status-list
 * store in files, and `node:http` handlers serving a DID document or a status list. Everything
 * else (DIDs, resolution over `fetch`, ownership credentials, proof of control, status lists)
 * is in `@agent-id/did`, which runs on any runtime.
 *
 * @module node
 */
export { didDocumentHandler } from './serve.js';
export { Keystore, loadKeyPair, saveKeyPair, type SaveKeyOptions } from './keystore.js';
export { statusListHandler } from './status-list-handler.js';
export { FileStatusListStore } from './status-list-file-store.js';
