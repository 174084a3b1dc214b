import type { AuditEntry, ErrorCode } from '@agent-id/core';
import { isRecord, parseJson } from '@agent-id/core/internal';
import { DELEGATION_META_KEY, createAgentTransport, delegationMeta } from '@agent-id/mcp';
import { CapabilityToken, inspectToken } from '@agent-id/tokens';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ToolDecision } from '../lib/tool-client.js';
import { MCP_SERVER_ID, MCP_TOOLS, type OrderHistory } from '../mcp-tools.js';
import type { Stage } from '../setup.js';
import type { Steps } from '../steps.js';
import { describeScope } from '../trace.js';
import type { CallReport } from '../work.js';
import { handOff } from './orders.js';

const CUSTOMER = 'c-42';
/** Alice's second task: its own token, minted by Acme for the MCP server and the orders API only. */
const TASK = 'task-c42-order-history';
const HOUR = 3600;
/** Lifetime of the hop the analyst hands the MCP server with its call. */
const DOWNSTREAM_TTL_SECONDS = 300;

/** An HTTP refusal as the caller received it: status and the guard's JSON body. */
interface Refused {
  status: number;
  body: Record<string, unknown>;
}

/** The refusal in an error of the SDK client (`StreamableHTTPError`: the status, and the body after the message's prefix). */
function refusalOf(error: unknown): Refused {
  if (!(error instanceof StreamableHTTPError)) return { status: 0, body: { code: 'internal', check: 'client', error_description: 'the MCP client failed' } };
  const text = error.message.slice(Math.max(0, error.message.indexOf('{')));
  let body: unknown;
  try {
    body = parseJson(text, { what: 'refusal body' });
  } catch {
    body = undefined;
  }
  return { status: error.code ?? 0, body: isRecord(body) ? body : { code: 'internal', check: 'client', error_description: 'an unreadable refusal' } };
}

/** The `order_history` tool's answer, or undefined for anything else (an SDK error text, a tool failure). */
function readHistory(text: string | undefined): OrderHistory | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = parseJson(text, { what: 'order_history result' });
  } catch {
    return undefined;
  }
  return isRecord(value) && Array.isArray(value.orders) && isRecord(value.caller) && isRecord(value.downstream) ? (value as unknown as OrderHistory) : undefined;
}

/**
 * The caller's decision for one operation: its outcome as the caller saw it (success, or
 * the refusal's status and body), with the verified chain and the record numbers from the
 * audit entries the server wrote for it.
 */
function decisionOf(entries: readonly AuditEntry[], verifier: string, refused?: Refused): ToolDecision {
  const entry = (refused ? entries.find((e) => e.record.decision === 'deny') : undefined) ?? entries.at(-1);
  const seen: Partial<ToolDecision> = entry ? { agent: entry.record.agent, onBehalfOf: entry.record.onBehalfOf, chain: entry.record.chain, auditSeq: entry.seq } : {};
  if (!refused) return { decision: 'allow', reason: entry?.record.reason ?? 'allowed', verifier, ...seen, status: 200 };
  const { code, check, error_description: description } = refused.body;
  return {
    decision: 'deny',
    code: (typeof code === 'string' ? code : 'internal') as ErrorCode,
    reason: `${String(check)}: ${String(description ?? '')}`,
    verifier,
    ...seen,
    status: refused.status,
  };
}

/**
 * Act 6: Globex's analyst uses Acme's MCP tool server through the official MCP SDK client.
 * The orchestrator hands it, over A2A, a hop naming the MCP server, the one tool it may
 * call and the orders it may read; every HTTP request of the SDK carries the token and a
 * fresh proof by the analyst's key. `order_history` is allowed and, with a hop the analyst
 * attenuated to the server in the call's `_meta`, reads Acme's orders API (whose record
 * shows Acme → orchestrator → analyst → MCP server); `refund_order`, outside the token, is
 * refused 403 `insufficient_scope` through the SDK; the `order_history` request sent again
 * verbatim is refused 401 `replayed`.
 */
export async function callMcpTools(stage: Stage, steps: Steps): Promise<void> {
  const { orgs, trace, mcp, clock } = stage;
  const task = TASK;
  const server = trace.who(mcp.url);
  trace.emit('section', `6. Globex's analyst calls Acme's MCP tool server with the MCP SDK; the tool calls Acme's orders API with a hop narrowed for it`);
  const toAnalyst = steps.expect('delegate-mcp', {
    title: `orchestrator → globex/analyst: Acme's MCP server (connect, call order_history) and the orders of ${CUSTOMER}, Biscuit, depth 1`,
    shows: 'MCP grants delegated (per tool)',
    expected: 'delegated',
  });
  const connect = steps.expect('mcp-connect', { title: 'globex/analyst connects with the MCP SDK client over Streamable HTTP', shows: 'MCP requests authenticated (token + proof)', expected: 'allow' });
  const list = steps.expect('mcp-list', { title: 'globex/analyst lists the tools', shows: 'tool list filtered to the token', expected: 'allow' });
  const call = steps.expect('mcp-call', { title: `globex/analyst calls order_history for ${CUSTOMER}, a hop to the server in _meta`, shows: 'MCP tool call allowed', expected: 'allow' });
  const downstream = steps.expect('mcp-downstream', {
    title: `acme/orders-mcp reads ${CUSTOMER}'s orders at Acme's orders API with the analyst's hop (4-hop chain)`,
    shows: 'down-scoped downstream call',
    expected: 'allow',
  });
  const refused = steps.expect('mcp-refused', { title: 'globex/analyst calls refund_order, a tool its token does not name', shows: 'MCP tool outside the token refused', expected: 'deny', code: 'denied' });
  const replayed = steps.expect('mcp-replayed', { title: "the analyst's order_history request sent again with the same proof", shows: 'replayed proof refused', expected: 'deny', code: 'replayed' });

  const orchestrator = stage.agents['acme/orchestrator'];
  const capability = {
    resources: [`mcp:${MCP_SERVER_ID}`, `mcp:${MCP_SERVER_ID}/tools/*`, 'api:/orders/*'],
    actions: ['connect', 'call', 'read'],
    audience: [mcp.url, mcp.apiUrl],
    expiresAt: Math.floor(clock() / 1000) + HOUR,
    maxDepth: 2,
    holder: orchestrator.did,
    onBehalfOf: stage.user.did,
    task,
  };
  orchestrator.hold(task, 'biscuit', await orgs.acme.mint(capability, 'biscuit'));
  trace.emit(
    'setup',
    `minted for ${trace.who(stage.user.did)}, task ${task}, to ${orchestrator.name}: ${describeScope(capability)}, audience ${capability.audience.map((a) => trace.who(a)).join(' and ')}, valid 1 h — as a Biscuit`,
    {
      actor: trace.who(orgs.acme.authority.did),
      graph: { type: 'delegate', from: trace.who(orgs.acme.authority.did), to: orchestrator.name, format: 'biscuit', scope: describeScope(capability) },
    },
  );

  steps.record(
    await stage.ask(`"before quoting, look up ${CUSTOMER}'s order history in Acme's order system"`, {
      task,
      delegations: [
        handOff(stage, toAnalyst, 'globex/analyst', {
          format: 'biscuit',
          narrowing: {
            resources: [`mcp:${MCP_SERVER_ID}`, `mcp:${MCP_SERVER_ID}/tools/order_history`, `api:/orders/${CUSTOMER}`],
            actions: ['connect', 'call', 'read'],
            audience: [mcp.url, mcp.apiUrl],
            maxDepth: 1,
          },
          order: { task },
        }),
      ],
    }),
  );

  const analyst = stage.agents['globex/analyst'];
  const held = analyst.presentation(task, 'biscuit');
  if (!held) throw new Error('the analyst holds no Biscuit for the task');
  const acmeRoot = (await stage.resolver.resolveKey(orgs.acme.authority.keyId, 'assertionMethod')).publicKey;
  const chainNote = (d: ToolDecision): string => (d.chain?.length ? `chain ${trace.chain(d.chain).join(' → ')}; acting for ${trace.who(d.onBehalfOf)}` : '');
  // Audit records counted from 1, as the lines of the JSON Lines file (the record's `seq` is one less).
  const records = (d: ToolDecision, entries?: readonly AuditEntry[]): string => {
    if (entries !== undefined && entries.length > 1) return `, audit records ${entries[0]!.seq + 1}–${entries.at(-1)!.seq + 1}`;
    return d.auditSeq === undefined ? '' : `, audit record ${d.auditSeq + 1}`;
  };
  const verdict = (d: ToolDecision, o: { entries?: readonly AuditEntry[]; refused?: Refused | undefined; chain?: boolean } = {}): string => {
    const by = `${trace.who(d.verifier)}${records(d, o.entries)}`;
    const note = o.chain === false ? '' : chainNote(d);
    const oauth = typeof o.refused?.body.error === 'string' ? ` ${o.refused.body.error},` : '';
    return d.decision === 'allow'
      ? `ALLOWED by ${by}${note ? ` (${note})` : ''}`
      : `REFUSED by ${by}: ${d.status}${oauth} ${d.code} (${d.reason})${note ? `; ${note}` : ''}`;
  };
  /** Runs one operation of the client; returns its outcome and the MCP server's audit entries written meanwhile. */
  const observe = async <T>(operation: () => Promise<T>): Promise<{ value?: T; refused?: Refused; entries: AuditEntry[] }> => {
    const { settled, entries } = await mcp.recording(operation);
    return settled.status === 'fulfilled' ? { value: settled.value, entries } : { refused: refusalOf(settled.reason), entries };
  };
  const report = (step: string, resource: string, action: string, decision: ToolDecision, service = mcp.url): CallReport => ({ step, service, resource, action, format: 'biscuit', decision });
  const analystCalls: CallReport[] = [];
  const parties = (step: string) => ({ actor: analyst.name, to: server, step });

  // The wire as the analyst's client sends it: the last request, kept for the replay below.
  let lastSent: { url: string; init: RequestInit } | undefined;
  const wire: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    lastSent = { url: request.url, init: { method: request.method, headers: [...request.headers], body: await request.clone().text() } };
    return fetch(request);
  };

  const client = new Client({ name: analyst.name, version: '1.0.0' });
  const connected = await observe(() => client.connect(createAgentTransport(mcp.url, { ...held, clock, fetch: wire })));
  const connectDecision = decisionOf(connected.entries, mcp.url, connected.refused);
  analystCalls.push(report(connect, `mcp:${MCP_SERVER_ID}`, 'connect', connectDecision));
  trace.emit(
    connectDecision.decision === 'allow' ? 'allow' : 'deny',
    `connect with the MCP SDK client (initialize, notifications/initialized; each request with its biscuit token and a fresh DPoP proof) → ${verdict(connectDecision, { entries: connected.entries, refused: connected.refused })}`,
    { ...parties(connect), graph: trace.decision(analyst.name, connectDecision) },
  );

  try {
    if (connectDecision.decision === 'allow') {
      const listed = await observe(() => client.listTools());
      const listDecision = decisionOf(listed.entries, mcp.url, listed.refused);
      analystCalls.push(report(list, `mcp:${MCP_SERVER_ID}`, 'connect', listDecision));
      const names = listed.value?.tools.map((t) => t.name) ?? [];
      trace.emit(
        listDecision.decision === 'allow' ? 'allow' : 'deny',
        `tools/list → ${verdict(listDecision, { refused: listed.refused, chain: false })}: it shows only ${names.join(', ') || 'nothing'}, of the server's ${MCP_TOOLS.join(', ')}`,
        { ...parties(list), graph: trace.decision(analyst.name, listDecision) },
      );

      // The hop for the tool's own request: addressed to the server's DID (from configuration), narrowed to one read at the orders API.
      const _meta = await delegationMeta(held.token, {
        server: mcp.serverDid,
        signer: held.agent.keyPair,
        trustedRoots: acmeRoot,
        narrowing: { audience: [mcp.apiUrl], resources: [`api:/orders/${CUSTOMER}`], actions: ['read'], expiresAt: Math.floor(clock() / 1000) + DOWNSTREAM_TTL_SECONDS, maxDepth: 0 },
      });
      const hop = await inspectToken(CapabilityToken.parse(_meta[DELEGATION_META_KEY]!), { trustedRoots: acmeRoot });
      const [parent, granted] = [hop.chain.at(-2)!.granted, hop.chain.at(-1)!.granted];
      trace.emit(
        'delegate',
        `new biscuit hop for the call's _meta, made offline and signed by ${analyst.name}: ${describeScope(parent)} ⟶ ${describeScope(granted)}, audience ${granted.audience.map((a) => trace.who(a)).join(', ')} only, valid ${DOWNSTREAM_TTL_SECONDS} s`,
        {
          actor: analyst.name,
          to: trace.who(mcp.serverDid),
          step: downstream,
          graph: { type: 'delegate', from: analyst.name, to: trace.who(mcp.serverDid), format: 'biscuit', scope: describeScope(granted) },
        },
      );

      const called = await observe(() => client.callTool({ name: 'order_history', arguments: { customer: CUSTOMER }, _meta }));
      const replay = lastSent;
      const callDecision = decisionOf(called.entries, mcp.url, called.refused);
      analystCalls.push(report(call, `mcp:${MCP_SERVER_ID}/tools/order_history`, 'call', callDecision));
      const content = called.value?.content;
      const text = Array.isArray(content) && isRecord(content[0]) && typeof content[0].text === 'string' ? content[0].text : undefined;
      const history = readHistory(text);
      const saw = history ? `; the tool saw ${trace.who(history.caller.agent)} acting for ${trace.who(history.caller.onBehalfOf)}: ${history.orders.length} orders` : '';
      trace.emit(
        callDecision.decision === 'allow' ? 'allow' : 'deny',
        `tools/call order_history {customer: ${CUSTOMER}}, the hop in _meta → ${verdict(callDecision, { refused: called.refused })}${saw}`,
        { ...parties(call), graph: trace.decision(analyst.name, callDecision) },
      );
      if (history) {
        const d = history.downstream;
        steps.record({ agent: mcp.serverDid, task, calls: [report(downstream, `api:/orders/${CUSTOMER}`, 'read', d, mcp.apiUrl)], delegations: [] });
        trace.emit(
          d.decision === 'allow' ? 'allow' : 'deny',
          `read api:/orders/${CUSTOMER} with the hop from ${analyst.name} and its own proof → ${verdict(d)}`,
          { actor: trace.who(mcp.serverDid), step: downstream, graph: trace.decision(trace.who(mcp.serverDid), d) },
        );
      }

      const refund = await observe(() => client.callTool({ name: 'refund_order', arguments: { order: 'o-1001' } }));
      const refundDecision = decisionOf(refund.entries, mcp.url, refund.refused);
      analystCalls.push(report(refused, `mcp:${MCP_SERVER_ID}/tools/refund_order`, 'call', refundDecision));
      trace.emit(
        refundDecision.decision === 'allow' ? 'allow' : 'deny',
        `tools/call refund_order {order: o-1001} → ${verdict(refundDecision, { refused: refund.refused })}`,
        { ...parties(refused), graph: trace.decision(analyst.name, refundDecision) },
      );

      if (replay) {
        // Someone who saw the request on the wire sends it again, unchanged: same token, same proof.
        const { settled, entries } = await mcp.recording(async () => {
          const response = await fetch(replay.url, replay.init);
          return { status: response.status, body: (await response.json().catch(() => undefined)) as unknown };
        });
        const answer = settled.status === 'fulfilled' ? settled.value : { status: 0, body: { code: 'internal', check: 'client', error_description: 'the request failed' } };
        const resent: Refused | undefined = answer.status === 200 ? undefined : { status: answer.status, body: isRecord(answer.body) ? answer.body : {} };
        const replayDecision = decisionOf(entries, mcp.url, resent);
        steps.record({ agent: orgs.mallory.authority.did, task, calls: [report(replayed, `mcp:${MCP_SERVER_ID}/tools/order_history`, 'call', replayDecision)], delegations: [] });
        trace.emit(
          replayDecision.decision === 'allow' ? 'allow' : 'deny',
          `sends ${analyst.name}'s order_history request again, byte for byte (same token, same DPoP proof) → ${verdict(replayDecision, { refused: resent })}`,
          { actor: orgs.mallory.name, to: server, step: replayed, graph: trace.decision(orgs.mallory.name, replayDecision) },
        );
      }
    }
  } finally {
    await client.close();
  }
  steps.record({ agent: analyst.did, task, calls: analystCalls, delegations: [] });
}
