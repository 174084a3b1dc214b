/**
 * Signed checkpoints of an audit log: `{logId, seq, headHash, time}` signed by the service
 * that writes the log, one per line in a file beside it. Internal to the package; the
 * public surface is the `checkpointKey` options of `AuditLog.open` and `verifyAuditLog`.
 */
import { extraMember, HASH_HEX, isCanonicalLine, isIsoTime, LOG_ID, parseObjectLine, splitLines } from './audit-lines.js';
import { AuditChainBrokenError, InvalidSignatureError } from './errors.js';
import { canonicalizeToBytes } from './jcs.js';
import { isRecord } from './json.js';
import { parseDetachedJws, signDetachedJws } from './jws.js';
import { type KeyPair, type PublicKey, keyTypeForAlgorithm } from './keys.js';

/**
 * A signed statement by the log's writer: "log `logId` had `seq + 1` entries at `time`,
 * the newest with hash `headHash`". `seq` is -1 and `headHash` the header's hash for a log
 * with no entries yet.
 */
export interface AuditCheckpoint {
  logId: string;
  seq: number;
  headHash: string;
  /** ISO 8601 time the checkpoint was signed (the writer's clock). */
  time: string;
}

/** The `typ` of a checkpoint's JWS protected header. */
export const AUDIT_CHECKPOINT_TYPE = 'agent-id-audit-checkpoint';

/** Longest checkpoint line accepted, in characters. */
const MAX_CHECKPOINT_LINE = 4096;

/** One line of the checkpoint file: the checkpoint and a detached JWS over its RFC 8785 bytes. */
export interface CheckpointLine {
  checkpoint: AuditCheckpoint;
  /** Detached JWS protected header (base64url): `alg`, `kid` (the key's multibase), `typ`. */
  protected: string;
  /** Detached JWS signature (base64url). */
  signature: string;
}

/** Signs a checkpoint as the line the checkpoint file holds. */
export function signCheckpoint(checkpoint: AuditCheckpoint, key: KeyPair): CheckpointLine {
  const { logId, seq, headHash, time } = checkpoint;
  const value = { logId, seq, headHash, time };
  const jws = signDetachedJws({ typ: AUDIT_CHECKPOINT_TYPE, kid: key.publicKey.toMultibase() }, canonicalizeToBytes(value), key);
  return { checkpoint: value, protected: jws.protected, signature: jws.signature };
}

function brokenCheckpoint(line: number, message: string, check = 'checkpoint_parse'): AuditChainBrokenError {
  return new AuditChainBrokenError(`checkpoint file line ${line}: ${message}`, { check });
}

function badSignature(line: number, message: string, cause?: unknown): InvalidSignatureError {
  return new InvalidSignatureError(`checkpoint file line ${line}: ${message}`, { check: 'checkpoint_signature', cause });
}

function verifyCheckpointSignature(line: number, signed: CheckpointLine, keys: ReadonlyMap<string, PublicKey>): void {
  let jws: ReturnType<typeof parseDetachedJws>;
  try {
    jws = parseDetachedJws(signed.protected, signed.signature, canonicalizeToBytes(signed.checkpoint), 'audit checkpoint');
  } catch (cause) {
    throw badSignature(line, 'the signature cannot be read', cause);
  }
  if (jws.header.typ !== AUDIT_CHECKPOINT_TYPE) throw badSignature(line, `the signature's typ is not ${AUDIT_CHECKPOINT_TYPE}`);
  const kid = jws.header.kid;
  const candidates = kid === undefined ? [...keys.values()] : keys.has(kid) ? [keys.get(kid)!] : [];
  if (candidates.length === 0) throw badSignature(line, `signed by ${String(kid).slice(0, 64)}, which is not a trusted checkpoint key`);
  const type = keyTypeForAlgorithm(jws.header.alg);
  if (!candidates.some((key) => key.type === type && key.verify(jws.signature, jws.signingInput))) {
    throw badSignature(line, 'the signature does not verify with the trusted checkpoint key');
  }
}

/**
 * Reads a checkpoint file: every line must be exactly the RFC 8785 form of a
 * {@link CheckpointLine} and end with a newline (`audit_chain_broken`, check
 * `checkpoint_parse`), and its signature must verify with one of `keys`
 * (`invalid_signature`, check `checkpoint_signature`). Returns the checkpoints in file order.
 */
export function readCheckpoints(input: string | Uint8Array, keys: readonly PublicKey[]): AuditCheckpoint[] {
  const byKid = new Map(keys.map((k) => [k.toMultibase(), k]));
  const { lines, terminated } = splitLines(input, (line) => brokenCheckpoint(line, 'not valid UTF-8'));
  const checkpoints: AuditCheckpoint[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.length > MAX_CHECKPOINT_LINE) throw brokenCheckpoint(line, `longer than ${MAX_CHECKPOINT_LINE} characters`);
    const parsed = parseObjectLine(raw);
    if (parsed === undefined) throw brokenCheckpoint(line, 'not a JSON object');
    const extra = extraMember(parsed, ['checkpoint', 'protected', 'signature']);
    if (extra !== undefined) throw brokenCheckpoint(line, `member ${JSON.stringify(extra.slice(0, 64))} is not part of a signed checkpoint`);
    const cp = parsed.checkpoint;
    if (!isRecord(cp) || typeof parsed.protected !== 'string' || typeof parsed.signature !== 'string') {
      throw brokenCheckpoint(line, 'not a signed checkpoint {checkpoint, protected, signature}');
    }
    const extraCp = extraMember(cp, ['headHash', 'logId', 'seq', 'time']);
    if (extraCp !== undefined) throw brokenCheckpoint(line, `member ${JSON.stringify(extraCp.slice(0, 64))} is not part of a checkpoint`);
    const { logId, seq, headHash, time } = cp;
    if (
      typeof logId !== 'string' ||
      !LOG_ID.test(logId) ||
      typeof seq !== 'number' ||
      !Number.isSafeInteger(seq) ||
      seq < -1 ||
      typeof headHash !== 'string' ||
      !HASH_HEX.test(headHash) ||
      !isIsoTime(time)
    ) {
      throw brokenCheckpoint(line, 'checkpoint needs logId, seq (integer ≥ -1), headHash (64 hex) and time (ISO 8601)');
    }
    if (!isCanonicalLine(raw, parsed)) {
      throw brokenCheckpoint(line, 'not the RFC 8785 form the writer writes (a duplicated member, spacing, escapes or member order differ)');
    }
    const checkpoint: AuditCheckpoint = { logId, seq, headHash, time };
    verifyCheckpointSignature(line, { checkpoint, protected: parsed.protected, signature: parsed.signature }, byKid);
    checkpoints.push(checkpoint);
  });
  if (!terminated) throw brokenCheckpoint(lines.length, 'the last line does not end with a newline (a torn write?)');
  return checkpoints;
}
