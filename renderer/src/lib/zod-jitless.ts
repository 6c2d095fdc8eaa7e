import { config } from 'zod';

// zod compiles fast parsers with `new Function`, which the renderer's CSP (no 'unsafe-eval')
// forbids; even its feature probe is reported as a CSP violation. Must run before any schema is built.
config({ jitless: true });
