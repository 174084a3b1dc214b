/** Token inspector: paste or drop a Biscuit or Macaroon; the chain drawn, verified against the user's roots; a request tried with `authorize`. */
import { fixedClock } from '@agent-id/core';
import { createDidResolver } from '@agent-id/did';
import { DEFAULT_LIMITS, type TokenInspection, authorize, inspectToken, verifyChain } from '@agent-id/tokens';
import { useState } from 'preact/hooks';
import { Chain } from './chain.js';
import { droppedFile, readFileLimited } from './files.js';
import { readRoots } from './roots.js';
import { type Failure, FailureView, Field, Shown, failureOf } from './text.js';

type Verification = { state: 'verified' } | { state: 'unverified'; failure: Failure } | { state: 'no-roots' };
type Decision = { decision: 'allow'; agent: string } | { decision: 'deny'; failure: Failure };

/** The token text: whitespace around it (a pasted line break) is not part of the token. */
const tokenOf = (text: string) => text.trim();

export function Inspector(_: { active: boolean }) {
  const [text, setText] = useState('');
  const [roots, setRoots] = useState('');
  const [allowHttp, setAllowHttp] = useState(false);
  const [view, setView] = useState<TokenInspection | undefined>();
  // The token the drawing and the request form are about (the text area may have changed since).
  const [inspected, setInspected] = useState('');
  const [failure, setFailure] = useState<Failure | undefined>();
  const [verification, setVerification] = useState<Verification | undefined>();
  const [busy, setBusy] = useState(false);
  const [request, setRequest] = useState({ action: '', resource: '', audience: '', task: '', presenter: '', time: '' });
  const [decision, setDecision] = useState<Decision | undefined>();

  const resolver = () => createDidResolver({ allowHttpLoopback: allowHttp, cacheTtlMs: 0 });

  async function inspect(tokenText = text) {
    setBusy(true);
    setFailure(undefined);
    setView(undefined);
    setVerification(undefined);
    setDecision(undefined);
    try {
      // Read natively, without roots: no WebAssembly is loaded and nothing is decided.
      const v = await inspectToken(tokenOf(tokenText));
      setView(v);
      setInspected(tokenOf(tokenText));
      const last = v.chain.at(-1);
      setRequest((r) => ({
        ...r,
        action: last?.granted.actions[0] ?? '',
        resource: last?.granted.resources[0] ?? '',
        audience: last?.granted.audience[0] ?? '',
        task: v.task,
        presenter: last?.to ?? '',
      }));
      setVerification(await verify(tokenText));
    } catch (e) {
      setFailure(failureOf(e));
    } finally {
      setBusy(false);
    }
  }

  async function verify(tokenText: string): Promise<Verification> {
    try {
      const r = await readRoots(roots, resolver());
      if (r.keys.length === 0 && r.secrets.length === 0) return { state: 'no-roots' };
      await verifyChain(tokenOf(tokenText), { trustedRoots: r.keys, rootSecrets: r.secrets });
      return { state: 'verified' };
    } catch (e) {
      return { state: 'unverified', failure: failureOf(e) };
    }
  }

  async function tryRequest(event: Event) {
    event.preventDefault();
    setDecision(undefined);
    try {
      const r = await readRoots(roots, resolver());
      const at = request.time.trim() === '' ? Date.now() : Date.parse(request.time);
      const result = await authorize(inspected, {
        request: { action: request.action, resource: request.resource, audience: request.audience, ...(request.task !== '' ? { task: request.task } : {}) },
        presenter: request.presenter,
        trustedRoots: r.keys,
        rootSecrets: r.secrets,
        clock: fixedClock(at),
      });
      setDecision({ decision: 'allow', agent: result.agent });
    } catch (e) {
      setDecision({ decision: 'deny', failure: failureOf(e) });
    }
  }

  async function onDrop(event: DragEvent) {
    const file = droppedFile(event);
    if (!file) return;
    try {
      // Base64url text: a token is never larger than its character limit in bytes.
      const t = await readFileLimited(file, DEFAULT_LIMITS.maxTokenChars + 16, 'token file');
      setText(t);
      await inspect(t);
    } catch (e) {
      setFailure(failureOf(e));
    }
  }

  const set = (name: keyof typeof request) => (e: Event) => setRequest({ ...request, [name]: (e.currentTarget as HTMLInputElement).value });

  return (
    <section class="view" aria-labelledby="inspector-title" data-testid="view-inspector">
      <h2 id="inspector-title">Token inspector</h2>
      <div class="columns">
        <div class="inputs">
          <label for="token-input">Token (Biscuit or Macaroon; paste or drop a file)</label>
          <textarea
            id="token-input"
            data-testid="token-input"
            rows={6}
            spellcheck={false}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={onDrop}
          />
          <label for="roots-input">Trusted roots, one per line: did:key:…, did:web:…, a public JWK, or macaroon ID SECRET</label>
          <textarea id="roots-input" data-testid="roots-input" rows={3} spellcheck={false} value={roots} onInput={(e) => setRoots(e.currentTarget.value)} />
          <label class="check">
            <input type="checkbox" data-testid="allow-http" checked={allowHttp} onChange={(e) => setAllowHttp(e.currentTarget.checked)} /> resolve did:web over http
            on loopback (development)
          </label>
          <button type="button" data-testid="inspect-button" disabled={busy} onClick={() => inspect()}>
            Inspect and verify
          </button>
        </div>
        <div class="outputs">
          {failure ? <FailureView failure={failure} testid="inspect-failure" /> : null}
          {view ? (
            <>
              <p class="notice">
                Format <code data-testid="token-format">{view.format}</code>. The drawing is read from the token; the marks say whether its signatures verified
                against your roots. Expiry, audience, holder and revocation are decided only by the request form below.
              </p>
              <div class="verdict" data-testid="verify-status" data-state={verification?.state ?? 'pending'}>
                {verification?.state === 'verified' ? <strong class="ok">✔ chain verified against your roots</strong> : null}
                {verification?.state === 'no-roots' ? <strong class="muted">? no roots given: nothing verified</strong> : null}
                {verification?.state === 'unverified' ? (
                  <>
                    <strong class="bad">✘ chain not verified</strong>
                    <FailureView failure={verification.failure} testid="verify-failure" />
                  </>
                ) : null}
              </div>
              <Chain
                onBehalfOf={view.onBehalfOf}
                issuer={view.issuer}
                task={view.task}
                hops={view.chain}
                verified={verification === undefined || verification.state === 'no-roots' ? undefined : verification.state === 'verified'}
              />
              <details data-testid="token-blocks">
                <summary>Blocks and revocation ids ({view.blocks.length})</summary>
                <ol class="records">
                  {view.blocks.map((b) => (
                    <li key={b.index} class="record" data-kind={b.kind}>
                      <Field label={`block ${b.index}`}>
                        {b.kind === 'checks'
                          ? "a holder's block of checks (narrows further; decided by the request form)"
                          : b.kind === 'unattributed'
                            ? 'content no delegator can be shown to have signed'
                            : b.kind}
                      </Field>
                      <Field label="revocation id">
                        <Shown text={b.revocationId} class="id" />
                      </Field>
                      {b.source.map((line, j) => (
                        <Field key={j} label={j === 0 ? 'content' : ''}>
                          <Shown text={line} max={300} />
                        </Field>
                      ))}
                    </li>
                  ))}
                </ol>
              </details>
              {view.thirdPartyCaveats.length > 0 ? (
                <Field label="third-party caveats">
                  {view.thirdPartyCaveats.map((c, i) => (
                    <div key={i}>
                      <Shown text={`${c.location} (key ${c.keyId}): ${c.condition}`} />
                    </div>
                  ))}
                </Field>
              ) : null}
              <form class="request" data-testid="authorize-form" onSubmit={tryRequest}>
                <h3>Would this request be allowed?</h3>
                <label>
                  action <input data-testid="req-action" value={request.action} onInput={set('action')} />
                </label>
                <label>
                  resource <input data-testid="req-resource" value={request.resource} onInput={set('resource')} />
                </label>
                <label>
                  audience (the verifier's DID) <input data-testid="req-audience" value={request.audience} onInput={set('audience')} />
                </label>
                <label>
                  task <input data-testid="req-task" value={request.task} onInput={set('task')} />
                </label>
                <label>
                  presenting agent DID <input data-testid="req-presenter" value={request.presenter} onInput={set('presenter')} />
                </label>
                <label>
                  time (ISO 8601; empty: now) <input data-testid="req-time" value={request.time} onInput={set('time')} />
                </label>
                <button type="submit" data-testid="authorize-button">
                  Authorize in this page
                </button>
              </form>
              {decision ? (
                <div class="decision" data-testid="authorize-result" data-decision={decision.decision}>
                  {decision.decision === 'allow' ? (
                    <strong class="ok">✔ allowed</strong>
                  ) : (
                    <>
                      <strong class="bad">✘ denied</strong>
                      <FailureView failure={decision.failure} testid="authorize-failure" />
                    </>
                  )}
                </div>
              ) : null}
            </>
          ) : null}
        </div>
      </div>
    </section>
  );
}
