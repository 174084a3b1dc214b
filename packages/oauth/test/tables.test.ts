import { expect, it } from 'vitest';
import { agentPolicyTable, consentTable } from '../src/index.js';

it('agentPolicyTable answers only for the agents it names, vouched for by the operators given', () => {
  const policy = { scopes: ['orders.read'], audience: ['https://api.example'] };
  const table = agentPolicyTable({ 'did:key:z6MkA': policy }, { operators: ['did:web:acme.example'] });
  expect(table({ agent: 'did:key:z6MkA', operator: 'did:web:acme.example' })).toBe(policy);
  expect(table({ agent: 'did:key:z6MkA', operator: 'did:web:evil.example' })).toBeUndefined();
  expect(table({ agent: 'did:key:z6MkB', operator: 'did:web:acme.example' })).toBeUndefined();
  expect(table({ agent: '__proto__', operator: 'did:web:acme.example' })).toBeUndefined();
  expect(agentPolicyTable({ 'did:key:z6MkA': policy })({ agent: 'did:key:z6MkA', operator: 'anyone' })).toBe(policy);
});

it('consentTable finds a record by user and agent, and nothing else', () => {
  const store = consentTable([{ issuer: 'https://idp', subject: 'alice', agent: 'did:key:z6MkA', scopes: ['orders.read'] }]);
  expect(store.consented({ issuer: 'https://idp', subject: 'alice' }, 'did:key:z6MkA')).toEqual(['orders.read']);
  expect(store.consented({ issuer: 'https://idp', subject: 'alice' }, 'did:key:z6MkB')).toBeUndefined();
  expect(store.consented({ issuer: 'https://idp#alice', subject: '' }, 'did:key:z6MkA')).toBeUndefined();
});
