#!/usr/bin/env node
// Moves source files and rewrites every relative import that reaches them (static, type-only,
// re-exports, import(), vi.mock) in the whole tree, so a rename of folders or a re-layout of tests
// is one mechanical step: node scripts/move-modules.mjs MOVES.json [--dry-run]
// MOVES.json: {"old/path.ts": "new/path.ts", ...} or {"old/dir/": "new/dir/"} for every file below.
// Afterwards it lists the places that still name an old path in a string (build inputs, file
// reads relative to import.meta.dirname): those need a person. Run it when nobody else is editing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CODE = /\.(ts|mts|cts|js|mjs|cjs|svelte)$/;
const SPECIFIER = /((?:from|import|mock|require)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\2/g;
const noExt = (p) => p.replace(/\.(ts|mts|js|mjs|svelte)$/, '');

/** Expands folder entries ("a/" → "b/") into one entry per file git knows below them. */
export function expandMoves(moves, files) {
  const out = new Map();
  for (const [from, to] of Object.entries(moves)) {
    if (from.endsWith('/')) for (const f of files) { if (f.startsWith(from)) out.set(f, to + f.slice(from.length)); }
    else out.set(from, to);
  }
  return out;
}

/**
 * The text of `file` (which will live at `dest`) with its relative imports re-pointed. `known`
 * holds the tree's files: a specifier that reaches none of them or their folders' index files (one
 * quoted in a string, say) is left as it is.
 */
export function rewriteImports(text, file, dest, moved, known) {
  const byStem = new Map([...moved].map(([o, n]) => [noExt(o), noExt(n)]));
  const stems = new Set(known.map(noExt));
  return text.replace(SPECIFIER, (match, pre, quote, spec) => {
    const target = noExt(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
    const to = byStem.get(target) ?? (file !== dest && (stems.has(target) || stems.has(`${target}/index`)) ? target : null);
    if (to === null) return match;
    const ext = /\.(ts|js|mjs|svelte)$/.exec(spec)?.[0] ?? '';
    let rel = path.posix.relative(path.posix.dirname(dest), to) + ext;
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return rel === spec ? match : `${pre}${quote}${rel}${quote}`;
  });
}

function main(root, movesFile, dryRun) {
  const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const files = [...git('ls-files').split('\n'), ...git('ls-files', '--others', '--exclude-standard').split('\n')].filter(Boolean);
  const moved = expandMoves(JSON.parse(readFileSync(movesFile, 'utf8')), files);
  for (const file of files.filter((f) => CODE.test(f))) {
    const dest = moved.get(file) ?? file;
    const text = readFileSync(path.join(root, file), 'utf8');
    const next = rewriteImports(text, file, dest, moved, files);
    if (dest === file && next === text) continue;
    console.log(dest === file ? `imports  ${file}` : `move     ${file} → ${dest}`);
    if (dryRun) continue;
    if (dest !== file) {
      mkdirSync(path.dirname(path.join(root, dest)), { recursive: true });
      git('mv', file, dest);
    }
    writeFileSync(path.join(root, dest), next);
  }
  const reported = new Set();
  for (const [from] of moved) {
    const needle = noExt(from);
    let hits = [];
    try {
      hits = git('grep', '-n', '-F', needle, '--', '.', ':!*.md', `:!${path.relative(root, movesFile)}`).split('\n').filter(Boolean);
    } catch {
      // git grep exits 1 when nothing matches.
    }
    for (const hit of hits.filter((h) => !reported.has(h))) {
      reported.add(hit);
      console.log(`CHECK BY HAND (old path in a string): ${hit}`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [movesFile, flag] = process.argv.slice(2);
  if (!movesFile) {
    console.error('usage: node scripts/move-modules.mjs MOVES.json [--dry-run]');
    process.exit(2);
  }
  main(path.join(fileURLToPath(new URL('.', import.meta.url)), '..'), movesFile, flag === '--dry-run');
}
