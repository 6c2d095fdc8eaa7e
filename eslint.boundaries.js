// The process boundaries, as lint rules (issue 19): the renderer sees the app only through the
// contract, services run without Electron (web mode, the CLI and the tests run them under Node),
// and the contract depends on nothing of ours, so either side can import it.
// no-restricted-imports does not look at import(), hence the no-restricted-syntax twins below.
// (esquery regexes cannot contain "/", so \x2F stands for it there.)

const RENDERER_MESSAGE = 'The renderer reaches the app only through electron/contract/ (types and zod-free constants).';
const SERVICE_MESSAGE = 'Services never import Electron: only electron/main/ and electron/preload/ may (web mode, the CLI and the tests run services under Node).';
const CONTRACT_MESSAGE = 'The contract imports nothing of ours outside electron/contract/ (and no Node or Electron), so the renderer and every process can import it.';

const ELECTRON_PACKAGE = { regex: '^electron(/|$)' };
const NODE_BUILTIN = { regex: '^node:' };

function dynamicImportBan(sourceRegex, message) {
  return { selector: `ImportExpression[source.value=/${sourceRegex}/]`, message };
}

export const boundaries = [
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { ...ELECTRON_PACKAGE, message: RENDERER_MESSAGE },
            { ...NODE_BUILTIN, message: RENDERER_MESSAGE },
            { regex: '^(\\.\\./)+(electron/(?!contract/)|test/|scripts/|bin/)', message: RENDERER_MESSAGE },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        dynamicImportBan('^(\\.\\.\\x2F)+(electron\\x2F(?!contract\\x2F)|test\\x2F|scripts\\x2F|bin\\x2F)', RENDERER_MESSAGE),
        dynamicImportBan('^(electron(\\x2F|$)|node:)', RENDERER_MESSAGE),
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/**', 'electron/preload/**', 'electron/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { ...ELECTRON_PACKAGE, message: SERVICE_MESSAGE },
            // main/ and preload/ import Electron, so reaching into them would bring it in by the back door.
            { regex: '^(\\.\\./)+(main|preload)/', message: SERVICE_MESSAGE },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        dynamicImportBan('^electron(\\x2F|$)', SERVICE_MESSAGE),
        dynamicImportBan('^(\\.\\.\\x2F)+(main|preload)\\x2F', SERVICE_MESSAGE),
      ],
    },
  },
  {
    files: ['electron/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./', message: CONTRACT_MESSAGE },
            { ...ELECTRON_PACKAGE, message: CONTRACT_MESSAGE },
            { ...NODE_BUILTIN, message: CONTRACT_MESSAGE },
          ],
        },
      ],
      'no-restricted-syntax': ['error', dynamicImportBan('^(\\.\\.\\x2F|electron(\\x2F|$)|node:)', CONTRACT_MESSAGE)],
    },
  },
];
