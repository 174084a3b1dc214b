/**
 * DID option values (`--to`, `--presenter`, `--trust` …), parsed as the command line is
 * read with @agent-id/did's parsers: one that does not parse is `invalid_option` naming the
 * option.
 *
 * @module did-values
 */
import { didKeyFromPublicKey, didWebFromDomain, parseDidWeb, publicKeyFromDidKey } from '@agent-id/did';
import { type ParseValue, invalidOption, quoted } from './option-values.js';

/**
 * A DID in the one spelling the packages compare by: a did:key as its key encodes it, a
 * did:web with its host in lower case; another method is left to the package that uses it.
 */
export const did: ParseValue<string> = (value, option) => {
  let canonical: string | undefined;
  let cause: unknown;
  try {
    if (value.startsWith('did:key:')) canonical = didKeyFromPublicKey(publicKeyFromDidKey(value));
    else if (value.startsWith('did:web:')) {
      const { host, path } = parseDidWeb(value);
      canonical = didWebFromDomain(host, path);
    } else if (/^did:[a-z0-9]+:./.test(value)) canonical = value;
  } catch (e) {
    cause = e;
  }
  if (canonical === value) return value;
  const suggestion = canonical !== undefined ? ` (did you mean ${canonical}?)` : '';
  throw invalidOption(option, `${option} must be a DID such as did:key:z6Mk… or did:web:example.com, got ${quoted(value)}${suggestion}`, cause);
};

/** A DID URL naming a key: a DID, `#`, and a fragment (`did:web:acme.example#key-1`). */
export const didUrl: ParseValue<string> = (value, option) => {
  const hash = value.indexOf('#');
  if (hash < 0 || hash === value.length - 1) throw invalidOption(option, `${option} must be a DID URL such as did:web:acme.example#key-1, got ${quoted(value)}`);
  did(value.slice(0, hash), option);
  return value;
};
