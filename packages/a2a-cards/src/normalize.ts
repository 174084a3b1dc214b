import { MalformedInputError } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';

type FieldKind = 'string' | 'bool' | 'message' | 'strings' | 'messages' | 'messageMap' | 'stringMap' | 'struct';

interface Field {
  name: string;
  kind: FieldKind;
  alias?: string;
  /** proto3 `optional`: explicit presence. */
  optional?: boolean;
  /** REQUIRED in the A2A proto. */
  required?: boolean;
  schema?: Schema;
}

interface Schema {
  fields: Field[];
  /** A oneof wrapper: only the first member set is kept. */
  oneof?: boolean;
  /** Member names and aliases, filled on first use. */
  known?: Set<string>;
}

const f = (name: string, kind: FieldKind, extra: Omit<Field, 'name' | 'kind'> = {}): Field => ({ name, kind, ...extra });
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const a = (name: string, kind: FieldKind, extra: Omit<Field, 'name' | 'kind'> = {}): Field => f(name, kind, { alias: snake(name), ...extra });

const STRING_LIST: Schema = { fields: [f('list', 'strings')] };
const SECURITY_REQUIREMENT: Schema = { fields: [f('schemes', 'messageMap', { schema: STRING_LIST })] };
const scopesFlow = (...fields: Field[]): Schema => ({ fields: [...fields, f('scopes', 'stringMap', { required: true })] });
const OAUTH_FLOWS: Schema = {
  oneof: true,
  fields: [
    a('authorizationCode', 'message', {
      schema: scopesFlow(a('authorizationUrl', 'string', { required: true }), a('tokenUrl', 'string', { required: true }), a('refreshUrl', 'string'), a('pkceRequired', 'bool')),
    }),
    a('clientCredentials', 'message', { schema: scopesFlow(a('tokenUrl', 'string', { required: true }), a('refreshUrl', 'string')) }),
    f('implicit', 'message', { schema: scopesFlow(a('authorizationUrl', 'string'), a('refreshUrl', 'string')) }),
    f('password', 'message', { schema: scopesFlow(a('tokenUrl', 'string'), a('refreshUrl', 'string')) }),
    a('deviceCode', 'message', {
      schema: scopesFlow(a('deviceAuthorizationUrl', 'string', { required: true }), a('tokenUrl', 'string', { required: true }), a('refreshUrl', 'string')),
    }),
  ],
};
const described = (...fields: Field[]): Schema => ({ fields: [f('description', 'string'), ...fields] });
const SECURITY_SCHEME: Schema = {
  oneof: true,
  fields: [
    a('apiKeySecurityScheme', 'message', { schema: described(f('location', 'string', { required: true }), f('name', 'string', { required: true })) }),
    a('httpAuthSecurityScheme', 'message', { schema: described(f('scheme', 'string', { required: true }), a('bearerFormat', 'string')) }),
    f('oauth2SecurityScheme', 'message', {
      alias: 'oauth2_security_scheme',
      schema: described(f('flows', 'message', { schema: OAUTH_FLOWS, required: true }), f('oauth2MetadataUrl', 'string', { alias: 'oauth2_metadata_url' })),
    }),
    a('openIdConnectSecurityScheme', 'message', { schema: described(a('openIdConnectUrl', 'string', { required: true })) }),
    a('mtlsSecurityScheme', 'message', { schema: described() }),
  ],
};
const AGENT_INTERFACE: Schema = {
  fields: [f('url', 'string', { required: true }), a('protocolBinding', 'string', { required: true }), f('tenant', 'string'), a('protocolVersion', 'string', { required: true })],
};
const AGENT_EXTENSION: Schema = { fields: [f('uri', 'string'), f('description', 'string'), f('required', 'bool'), f('params', 'struct')] };
const AGENT_SKILL: Schema = {
  fields: [
    f('id', 'string', { required: true }),
    f('name', 'string', { required: true }),
    f('description', 'string', { required: true }),
    f('tags', 'strings', { required: true }),
    f('examples', 'strings'),
    a('inputModes', 'strings'),
    a('outputModes', 'strings'),
    a('securityRequirements', 'messages', { schema: SECURITY_REQUIREMENT }),
  ],
};
const AGENT_CARD: Schema = {
  fields: [
    f('name', 'string', { required: true }),
    f('description', 'string', { required: true }),
    a('supportedInterfaces', 'messages', { schema: AGENT_INTERFACE, required: true }),
    f('provider', 'message', { schema: { fields: [f('url', 'string', { required: true }), f('organization', 'string', { required: true })] } }),
    f('version', 'string', { required: true }),
    a('documentationUrl', 'string', { optional: true }),
    f('capabilities', 'message', {
      required: true,
      schema: {
        fields: [
          f('streaming', 'bool', { optional: true }),
          a('pushNotifications', 'bool', { optional: true }),
          f('extensions', 'messages', { schema: AGENT_EXTENSION }),
          a('extendedAgentCard', 'bool', { optional: true }),
        ],
      },
    }),
    a('securitySchemes', 'messageMap', { schema: SECURITY_SCHEME }),
    a('securityRequirements', 'messages', { schema: SECURITY_REQUIREMENT }),
    a('defaultInputModes', 'strings', { required: true }),
    a('defaultOutputModes', 'strings', { required: true }),
    f('skills', 'messages', { schema: AGENT_SKILL, required: true }),
    f('signatures', 'messages', { schema: { fields: [f('protected', 'string'), f('signature', 'string'), f('header', 'struct')] } }),
    a('iconUrl', 'string', { optional: true }),
  ],
};

/**
 * The two readings of A2A section 8.4.1 a verifier accepts. `prune-empty`: every empty
 * value removed, REQUIRED or not, as `@a2a-js/sdk` 1.3.0 and a2a-python 1.2.1 sign.
 * `rule-1-as-written`: a REQUIRED field the card carries stays even at its default (`""`,
 * `[]`, `{}`), as the specification's worked example keeps `description: ""` and
 * `skills: []`; a REQUIRED field the card does not carry stays absent (the served scope).
 * The two differ only on cards with an empty REQUIRED field.
 */
export type CanonicalReading = 'prune-empty' | 'rule-1-as-written';

/** The result of normalizing a card the way `@a2a-js/sdk` 1.3.0 does before signing. */
export interface NormalizedCard {
  /** The signed view: protobuf JSON mapping, empties removed, `signatures` excluded. */
  signed: Record<string, unknown>;
  /** Paths of card content that the canonical form does not cover. */
  unsigned: string[];
  /** Paths of REQUIRED fields that are missing or empty (the spec and the SDK canonicalize these differently). */
  emptyRequired: string[];
  /** Paths of REQUIRED fields the card carries at their default value: where the two readings differ. */
  defaultRequired: string[];
}

const MAX_DEPTH = 32;

interface Ctx {
  unsigned: string[];
  emptyRequired: string[];
  defaultRequired: string[];
  keepRequired: boolean;
}

const DEFAULT_OF: Partial<Record<FieldKind, () => unknown>> = {
  string: () => '',
  strings: () => [],
  messages: () => [],
  message: () => ({}),
  messageMap: () => ({}),
  stringMap: () => ({}),
};

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

function bad(path: string, expected: string): never {
  throw new MalformedInputError(`agent card ${path} is not ${expected}`, { check: 'card_schema' });
}

function checkKey(key: string, path: string): void {
  if (key === '__proto__') throw new MalformedInputError(`agent card ${path} has a "__proto__" member`, { check: 'card_schema' });
}

function cleanStruct(value: unknown, path: string, depth: number, ctx: Ctx): unknown {
  if (depth > MAX_DEPTH) throw new MalformedInputError(`agent card ${path} nests deeper than ${MAX_DEPTH}`, { check: 'card_schema' });
  if (value === '' || value === null) return null;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      const c = cleanStruct(v, join(path, i), depth + 1, ctx);
      if (c === null) ctx.unsigned.push(join(path, i));
      else out.push(c);
    });
    return out.length ? out : null;
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      checkKey(k, path);
      const c = cleanStruct(v, join(path, k), depth + 1, ctx);
      if (c === null) ctx.unsigned.push(join(path, k));
      else out[k] = c;
    }
    return Object.keys(out).length ? out : null;
  }
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
  return bad(path, 'a JSON value');
}

function pick(o: Record<string, unknown>, field: Field, path: string, ctx: Ctx): unknown {
  const primary = o[field.name];
  const alias = field.alias === undefined ? undefined : o[field.alias];
  if (primary !== undefined && primary !== null) {
    if (alias !== undefined && alias !== null) ctx.unsigned.push(join(path, field.alias!));
    return primary;
  }
  return alias === null ? undefined : alias;
}

function normalizeMessage(o: unknown, schema: Schema, path: string, depth: number, ctx: Ctx): Record<string, unknown> | null {
  if (!isRecord(o)) return bad(path, 'an object');
  if (depth > MAX_DEPTH) throw new MalformedInputError(`agent card ${path} nests deeper than ${MAX_DEPTH}`, { check: 'card_schema' });
  if (!schema.known) schema.known = new Set(schema.fields.flatMap((x) => (x.alias ? [x.name, x.alias] : [x.name])));
  const known = schema.known;
  for (const key of Object.keys(o)) {
    checkKey(key, path);
    if (!known.has(key)) ctx.unsigned.push(join(path, key));
  }
  const out: Record<string, unknown> = {};
  let chosen = false;
  for (const field of schema.fields) {
    const fieldPath = `${path}.${field.name}`;
    let v = pick(o, field, path, ctx);
    if (schema.oneof && v !== undefined) {
      if (chosen) {
        ctx.unsigned.push(o[field.name] !== undefined && o[field.name] !== null ? fieldPath : join(path, field.alias!));
        v = undefined;
      }
      chosen = true;
    }
    if (v !== undefined) {
      const c = normalizeField(v, field, fieldPath, depth, ctx);
      if (c !== null) out[field.name] = c;
      else if (field.required && DEFAULT_OF[field.kind]) {
        ctx.defaultRequired.push(fieldPath);
        if (ctx.keepRequired) out[field.name] = DEFAULT_OF[field.kind]!();
      }
    }
    if (field.required && out[field.name] === undefined) ctx.emptyRequired.push(fieldPath);
  }
  return Object.keys(out).length ? out : null;
}

function normalizeField(v: unknown, field: Field, path: string, depth: number, ctx: Ctx): unknown {
  switch (field.kind) {
    case 'string':
      if (typeof v !== 'string') return bad(path, 'a string');
      if (v === '' && field.optional) ctx.unsigned.push(path);
      return v === '' ? null : v;
    case 'bool':
      if (typeof v !== 'boolean') return bad(path, 'a boolean');
      return v || field.optional ? v : null;
    case 'message':
      return normalizeMessage(v, field.schema!, path, depth + 1, ctx);
    case 'strings': {
      if (!Array.isArray(v)) return bad(path, 'an array');
      const out: string[] = [];
      v.forEach((s, i) => {
        if (typeof s !== 'string') bad(join(path, i), 'a string');
        if (s === '') ctx.unsigned.push(join(path, i));
        else out.push(s);
      });
      return out.length ? out : null;
    }
    case 'messages': {
      if (!Array.isArray(v)) return bad(path, 'an array');
      const out: unknown[] = [];
      v.forEach((e, i) => {
        const c = normalizeMessage(e, field.schema!, join(path, i), depth + 1, ctx);
        if (c === null) ctx.unsigned.push(join(path, i));
        else out.push(c);
      });
      return out.length ? out : null;
    }
    case 'messageMap':
    case 'stringMap': {
      if (!isRecord(v)) return bad(path, 'an object');
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) {
        checkKey(k, path);
        let c: unknown;
        if (field.kind === 'stringMap') {
          if (typeof e !== 'string') bad(join(path, k), 'a string');
          c = e === '' ? null : e;
        } else {
          c = normalizeMessage(e, field.schema!, join(path, k), depth + 1, ctx);
        }
        if (c === null) ctx.unsigned.push(join(path, k));
        else out[k] = c;
      }
      return Object.keys(out).length ? out : null;
    }
    case 'struct':
      if (!isRecord(v)) return bad(path, 'an object');
      return cleanStruct(v, path, depth + 1, ctx);
  }
}

/**
 * Normalizes a parsed card exactly as `@a2a-js/sdk` 1.3.0 `canonicalizeAgentCard` does
 * (protobuf JSON mapping → drop `signatures` → drop empty values), but with strict types:
 * a value of the wrong JSON type is `malformed_input` instead of being coerced.
 */
export function normalizeCard(card: unknown, reading: CanonicalReading = 'prune-empty'): NormalizedCard {
  const ctx: Ctx = { unsigned: [], emptyRequired: [], defaultRequired: [], keepRequired: reading === 'rule-1-as-written' };
  const signed = normalizeMessage(card, AGENT_CARD, '$', 0, ctx) ?? {};
  delete signed.signatures;
  const own = (p: string) => !p.startsWith('$.signatures');
  return {
    signed,
    unsigned: ctx.unsigned.filter(own),
    emptyRequired: ctx.emptyRequired.filter(own),
    defaultRequired: ctx.defaultRequired.filter(own),
  };
}
