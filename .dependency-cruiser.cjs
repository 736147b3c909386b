// Module boundaries, checked by dependency-cruiser (`npm run lint:deps`, part of `npm run lint` and `npm test`).
// The layout they keep: src/contract/ for the shapes shared with the web client; src/realtime/ (the transport),
// src/presence/ and src/receipts/ as features of their own (docs/ARCHITECTURE.md, "Boundaries").
// Type-only imports count (tsPreCompilationDeps): `import type` ties modules together just as well.

/** Feature folders: a feature may use the shared layers, never the other way round. */
const FEATURES = 'auth|users|presence|conversations|messages|receipts|chat|realtime|compat|health';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files import each other in a circle: the order they load in decides what each sees. Break the circle by moving the shared part into a file of its own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-layers-no-features',
      severity: 'error',
      comment:
        'src/common/ and src/config/ are shared by every feature, so they depend on none of them (nor on the top-level ' +
        'metrics module, which observes them all). Shapes both sides need belong in src/contract/. ' +
        'src/database/ is infrastructure like them and may be used.',
      from: { path: '^src/(common|config)/' },
      to: { path: `^src/(${FEATURES}|metrics)/` },
    },
    {
      name: 'services-no-realtime',
      severity: 'error',
      comment:
        'Services and repositories (and every file of the domain features) never reach for the gateway or anything ' +
        'else of the socket layer (src/chat/, src/realtime/): they publish domain events, the socket layer listens.',
      from: { path: ['^src/(conversations|messages|receipts|users|presence|auth)/', '^src/.+[.](service|repository)[.]ts$'], pathNot: '^src/(chat|realtime)/' },
      to: { path: '^src/(chat|realtime)/' },
    },
    {
      name: 'realtime-not-chat',
      comment: 'The Socket.IO plumbing (src/realtime) is the transport the chat layer builds on: it never imports the gateway or the chat layer.',
      severity: 'error',
      from: { path: '^src/realtime/' },
      to: { path: '^src/chat/' },
    },
    {
      name: 'identity-below-conversations',
      comment: 'Users, presence and auth sit below the conversation aggregates: they never import them, nor the layers above.',
      severity: 'error',
      from: { path: '^src/(users|presence|auth)/' },
      to: { path: '^src/(conversations|messages|receipts|chat|realtime|compat)/' },
    },
    {
      name: 'conversations-use-only-read-rules-of-receipts',
      comment: 'Conversations use the pure read-state rules (receipts/read-state.ts), never the receipts module itself, which builds on conversations.',
      severity: 'error',
      from: { path: '^src/conversations/' },
      to: { path: '^src/receipts/', pathNot: '^src/receipts/read-state[.]ts$' },
    },
    {
      name: 'nothing-builds-on-compat',
      comment: "The first release's routes delegate to the services; nothing but the app module imports them.",
      severity: 'error',
      from: { pathNot: '^src/(compat/|app[.]module[.]ts$)' },
      to: { path: '^src/compat/' },
    },
    {
      name: 'web-only-contract',
      severity: 'error',
      comment: 'The browser client shares only src/contract/ with the server: everything else in src/ is server code.',
      from: { path: '^web/src/' },
      to: { path: '^src/', pathNot: '^src/contract/' },
    },
    {
      name: 'contract-self-contained',
      severity: 'error',
      comment: 'src/contract/ is read by the server and by the browser client: it imports nothing outside itself (no other src/ file, no Node built-in, no npm package).',
      from: { path: '^src/contract/' },
      to: { pathNot: '^src/contract/' },
    },
    {
      name: 'conversations-not-messages',
      severity: 'error',
      comment: 'Messages depend on conversations (membership, summaries), never the other way round.',
      from: { path: '^src/conversations/' },
      to: { path: '^src/messages/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to no file or package: a typo, or a package missing from package.json.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|data|bench/results|web/src/vendor)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // (The web client's './dom.js' imports resolve to the .ts file beside them: dependency-cruiser does that by itself.)
    skipAnalysisNotInRules: true,
  },
};
