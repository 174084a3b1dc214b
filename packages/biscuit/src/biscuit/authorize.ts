import { type AgentIdError, type CapabilityRequest, DeniedError, type PublicKey, isRecord } from '@agent-id/core';
import { type TokenLimits, datalogLimits } from '../limits.js';
import type { ChainRecord } from '../model.js';
import type { CapabilityToken } from '../token.js';
import { mapWasmError } from '../wasm/errors.js';
import { withBiscuit } from '../wasm/runtime.js';
import { parseBiscuit, readChain } from './chain.js';
import { AUTHORIZER_CODE, AUTHORIZER_TASK_CODE, dateParam } from './datalog.js';

/** What the Biscuit layer established; the shared checks run on `chain`. */
export interface BiscuitEvaluation {
  chain: ChainRecord;
  /** The Datalog decision: undefined when allowed, else the mapped refusal. */
  refusal: AgentIdError | undefined;
}

function mapRefusal(error: unknown): AgentIdError {
  if (isRecord(error) && isRecord(error.FailedLogic)) {
    const logic = error.FailedLogic;
    const detail = isRecord(logic.Unauthorized) ? logic.Unauthorized : isRecord(logic.NoMatchingPolicy) ? logic.NoMatchingPolicy : undefined;
    const checks = detail && Array.isArray(detail.checks) ? detail.checks : [];
    const where = checks
      .map((c: unknown) => (isRecord(c) && isRecord(c.Block) ? `block ${String(c.Block.block_id)}` : 'authorizer'))
      .join(', ');
    const policy = detail && isRecord(detail.policy) && 'Deny' in detail.policy ? 'a deny policy matched' : 'no allow policy matched';
    return new DeniedError(`Datalog refused the request: ${where ? `failed checks in ${where}` : policy}`, { check: 'datalog' });
  }
  return mapWasmError(error, 'biscuit authorization');
}

export async function evaluateBiscuit(
  token: CapabilityToken,
  request: CapabilityRequest,
  nowSeconds: number,
  roots: readonly PublicKey[],
  limits: TokenLimits,
): Promise<BiscuitEvaluation> {
  const bytes = token.toBytes();
  const code = request.task === undefined ? AUTHORIZER_CODE : `${AUTHORIZER_CODE}\n${AUTHORIZER_TASK_CODE}`;
  const params: Record<string, string | { date: string }> = {
    resource: request.resource,
    action: request.action,
    audience: request.audience,
    time: dateParam(nowSeconds),
  };
  if (request.task !== undefined) params.task = request.task;
  return withBiscuit((glue) => {
    const biscuit = parseBiscuit(glue, bytes, roots, limits);
    try {
      const count = biscuit.countBlocks();
      const revocationIds = biscuit.getRevocationIdentifiers() as string[];
      const builder = new glue.AuthorizerBuilder();
      try {
        builder.addCodeWithParameters(code, params, {});
      } catch (error) {
        builder.free();
        throw error;
      }
      const authorizer = builder.buildAuthenticated(biscuit);
      try {
        const { chain } = readChain(glue, authorizer, count, revocationIds, limits);
        let refusal: AgentIdError | undefined;
        try {
          authorizer.authorizeWithLimits(datalogLimits(limits));
        } catch (error) {
          refusal = mapRefusal(error);
        }
        return { chain, refusal };
      } finally {
        authorizer.free();
      }
    } finally {
      biscuit.free();
    }
  });
}
