// The process boundaries, as lint rules (issue 19): the renderer sees the app only through the
// contract, services run without Electron (web mode, the CLI and the tests run them under Node),
// and the contract depends on nothing of ours, so either side can import it.
// no-restricted-imports does not look at import(), hence a no-restricted-syntax twin for each
// pattern. (esquery regexes cannot contain "/", so the twin spells it \x2F.)

const RENDERER_MESSAGE = 'The renderer reaches the app only through electron/contract/ (types and zod-free constants).';
const SERVICE_MESSAGE = 'Services never import Electron: only electron/main/ and electron/preload/ may (web mode, the CLI and the tests run services under Node).';
const CONTRACT_MESSAGE = 'The contract imports nothing of ours outside electron/contract/ (and no Node or Electron), so the renderer and every process can import it.';

const ELECTRON_PACKAGE = '^electron(/|$)';
const NODE_BUILTIN = '^node:';

/** A config block that refuses imports (static, type-only, re-exports and import()) matching any of `sources`. */
function forbid({ files, ignores = [], sources, message }) {
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { patterns: sources.map((regex) => ({ regex, message })) }],
      'no-restricted-syntax': [
        'error',
        ...sources.map((regex) => ({ selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`, message })),
      ],
    },
  };
}

export const boundaries = [
  forbid({
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    sources: [ELECTRON_PACKAGE, NODE_BUILTIN, '^(\\.\\./)+(electron/(?!contract/)|test/|scripts/|bin/)'],
    message: RENDERER_MESSAGE,
  }),
  forbid({
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/**', 'electron/preload/**', 'electron/contract/**'],
    // main/ and preload/ import Electron, so reaching into them would bring it in by the back door.
    sources: [ELECTRON_PACKAGE, '^(\\.\\./)+(main|preload)/'],
    message: SERVICE_MESSAGE,
  }),
  forbid({
    files: ['electron/contract/**/*.ts'],
    sources: ['^\\.\\./', ELECTRON_PACKAGE, NODE_BUILTIN],
    message: CONTRACT_MESSAGE,
  }),
];
