// The unsigned card the key benchmarks sign (keys.js, compare.js): two interfaces, two skills.
export const card = {
  name: 'Trip Planner',
  description: 'Plans business trips',
  version: '1.2.0',
  supportedInterfaces: [
    { url: 'https://agents.globex.example/a2a/v1', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
    { url: 'https://agents.globex.example/a2a/rest', protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
  ],
  provider: { organization: 'Globex', url: 'https://globex.example' },
  capabilities: { streaming: true, pushNotifications: false },
  securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', bearerFormat: 'JWT' } } },
  securityRequirements: [{ schemes: { bearer: { list: ['trips:write'] } } }],
  defaultInputModes: ['text/plain', 'application/json'],
  defaultOutputModes: ['application/json'],
  skills: [
    { id: 'plan', name: 'Plan a trip', description: 'Books flights and hotels', tags: ['travel', 'booking'], examples: ['Fly me to Lisbon on Monday'] },
    { id: 'expense', name: 'File expenses', description: 'Files receipts', tags: ['finance'] },
  ],
};
