/** Card viewer: an agent card (fetched or pasted) verified with `verifyAgentCard` under the user's trust policy. */
import { type AgentCardVerdict, type TrustPolicy, type TrustedSigner, verifyAgentCard } from '@agent-id/a2a-cards';
import { isRecord, parseJson } from '@agent-id/core/internal';
import { createDidResolver, createStatusListResolver } from '@agent-id/did';
import { useState } from 'preact/hooks';
import { fetchLimited } from './files.js';
import { type Failure, FailureView, Field, Shown, ShownList, failureOf } from './text.js';

/** verifyAgentCard's own default limit; the fetch stops reading past it. */
const MAX_CARD_BYTES = 131_072;

const words = (text: string) => text.split(/[\s,]+/).filter((w) => w !== '');

function signersOf(dids: string, jwks: string, hosts: string[]): TrustedSigner[] {
  const forHosts = hosts.length > 0 ? { hosts } : {};
  const signers: TrustedSigner[] = words(dids).map((did) => ({ did, ...forHosts }));
  for (const [i, line] of jwks.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const jwk = parseJson(line.trim(), { maxBytes: 8192, maxDepth: 4, what: `pinned key line ${i + 1}` });
    if (!isRecord(jwk)) throw Object.assign(new Error(`pinned key line ${i + 1} is not a JWK object`), { code: 'malformed_input', check: 'policy' });
    signers.push({ jwk, ...forHosts });
  }
  return signers;
}

export function CardViewer(_: { active: boolean }) {
  const [url, setUrl] = useState('');
  const [json, setJson] = useState('');
  const [dids, setDids] = useState('');
  const [jwks, setJwks] = useState('');
  const [hosts, setHosts] = useState('');
  const [didWebHost, setDidWebHost] = useState(false);
  const [ownership, setOwnership] = useState(false);
  const [allowHttp, setAllowHttp] = useState(false);
  const [verdict, setVerdict] = useState<AgentCardVerdict | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);

  async function run(source: 'url' | 'json') {
    setBusy(true);
    setVerdict(undefined);
    setFailure(undefined);
    try {
      const text = source === 'url' ? await fetchLimited(url.trim(), MAX_CARD_BYTES, 'agent card') : json;
      if (source === 'url') setJson(text);
      const resolver = createDidResolver({ allowHttpLoopback: allowHttp, cacheTtlMs: 0 });
      const policy: TrustPolicy = {
        signers: signersOf(dids, jwks, words(hosts).map((h) => h.toLowerCase())),
        trustDidWebHost: didWebHost,
        // Shown to the user instead of refusing the card.
        unsignedFields: 'ignore',
        ...(ownership ? { ownership: { statusLists: createStatusListResolver(resolver, { allowHttpLoopback: allowHttp }) } } : {}),
      };
      setVerdict(await verifyAgentCard(text, resolver, policy, { maxCardBytes: MAX_CARD_BYTES }));
    } catch (e) {
      setFailure(failureOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="view" aria-labelledby="cards-title" data-testid="view-cards">
      <h2 id="cards-title">Card viewer</h2>
      <div class="columns">
        <div class="inputs">
          <label for="card-url">Card URL (fetched by this page)</label>
          <input id="card-url" data-testid="card-url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
          <button type="button" data-testid="card-fetch" disabled={busy} onClick={() => run('url')}>
            Fetch and verify
          </button>
          <label for="card-json">…or the card's JSON</label>
          <textarea id="card-json" data-testid="card-json" rows={6} spellcheck={false} value={json} onInput={(e) => setJson(e.currentTarget.value)} />
          <h3>Trust policy</h3>
          <label for="card-dids">Trusted signer DIDs (space or comma separated)</label>
          <input id="card-dids" data-testid="card-dids" value={dids} onInput={(e) => setDids(e.currentTarget.value)} />
          <label for="card-jwks">Pinned public keys, one JWK (with kid) per line</label>
          <textarea id="card-jwks" data-testid="card-jwks" rows={2} spellcheck={false} value={jwks} onInput={(e) => setJwks(e.currentTarget.value)} />
          <label for="card-hosts">Hosts they may sign for (empty: a did:web signer its own host)</label>
          <input id="card-hosts" data-testid="card-hosts" value={hosts} onInput={(e) => setHosts(e.currentTarget.value)} />
          <label class="check">
            <input type="checkbox" data-testid="card-didweb-host" checked={didWebHost} onChange={(e) => setDidWebHost(e.currentTarget.checked)} /> trust a did:web signer of the card's own
            host
          </label>
          <label class="check">
            <input type="checkbox" data-testid="card-ownership" checked={ownership} onChange={(e) => setOwnership(e.currentTarget.checked)} /> require an ownership credential (its
            status list checked)
          </label>
          <label class="check">
            <input type="checkbox" data-testid="card-allow-http" checked={allowHttp} onChange={(e) => setAllowHttp(e.currentTarget.checked)} /> did:web and status
            lists over http on loopback (development)
          </label>
          <button type="button" data-testid="card-verify" disabled={busy} onClick={() => run('json')}>
            Verify pasted card
          </button>
        </div>
        <div class="outputs">
          {failure ? (
            <div data-testid="card-verdict" data-state="refused">
              <strong class="bad">✘ card refused</strong>
              <FailureView failure={failure} testid="card-failure" />
            </div>
          ) : null}
          {verdict ? <Verdict verdict={verdict} /> : null}
        </div>
      </div>
    </section>
  );
}

function Verdict({ verdict }: { verdict: AgentCardVerdict }) {
  const name = typeof verdict.card.name === 'string' ? verdict.card.name : '';
  return (
    <div data-testid="card-verdict" data-state="verified">
      <strong class="ok">✔ card verified</strong>
      <Field label="name">
        <Shown text={name} />
      </Field>
      <Field label="hosts">
        <ShownList items={verdict.hosts} />
      </Field>
      <h3>Trusted signers</h3>
      <ul class="records">
        {verdict.signers.map((s, i) => (
          <li key={i} class="card-signer" data-testid="card-signer" data-source={s.source}>
            <Field label="signer">
              <Shown text={s.did ?? s.thumbprint ?? s.jwks ?? ''} />
            </Field>
            <Field label="key">
              <Shown text={s.keyId} /> ({s.alg})
            </Field>
            <Field label="trusted by">
              <span data-testid="card-rule">
                <Shown text={s.rule} />
              </span>
            </Field>
            <Field label="covers">
              <ShownList items={s.readings} />
            </Field>
          </li>
        ))}
      </ul>
      {verdict.otherSignatures.length > 0 ? (
        <>
          <h3>Other signatures (the verdict does not rest on them)</h3>
          <ul class="records">
            {verdict.otherSignatures.map((o) => (
              <li key={o.number} class="card-signer" data-testid="card-other-signature" data-status={o.status}>
                #{o.number} <Shown text={o.kid ?? '(no kid)'} /> — {o.status}
                {o.code ? ` (${o.code}, check ${o.check ?? ''})` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <Field label="unsigned fields">
        <span data-testid="card-unsigned">
          <ShownList items={verdict.unsignedFields} empty="none: every field is signed" />
        </span>
      </Field>
      {verdict.ownership ? (
        <div data-testid="card-ownership-result">
          <h3>Ownership credential</h3>
          <Field label="issuer">
            <Shown text={verdict.ownership.issuer} />
          </Field>
          <Field label="agent">
            <Shown text={verdict.ownership.agent} />
          </Field>
          <Field label="on behalf of">
            <Shown text={verdict.ownership.onBehalfOf ?? '(not stated)'} />
          </Field>
          <Field label="valid until">{new Date(verdict.ownership.validUntil).toISOString()}</Field>
          <Field label="status list">
            <span data-testid="card-status">
              {verdict.ownership.credentialStatus?.length ? 'checked: neither revoked nor suspended' : 'the credential names no status list'}
            </span>
          </Field>
        </div>
      ) : (
        <Field label="ownership">
          <span class="muted">not required by the policy</span>
        </Field>
      )}
    </div>
  );
}
