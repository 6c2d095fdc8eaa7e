#!/usr/bin/env node
// Lists source files over 400 lines whose first comment does not say why they are long (issue 19:
// one job per module, "none over ~400 lines without a reason stated in its first comment").
// A reason is a first comment containing "Long file:" and the reason. Run: node scripts/long-files.mjs
// (exit 1 when any file is listed); test/unit/repo/long-files.test.ts runs the same check on the tree.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LINE_LIMIT = 400;
export const SOURCE_DIRS = ['electron/', 'renderer/src/', 'scripts/', 'bin/'];
const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs|svelte)$/;
const REASON = /Long file:\s*\S/i;

/** Lines as wc -l counts them (newline characters; a last line without one still counts). */
export function lineCount(text) {
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

/** The file's first comment (a run of // lines, a block comment or an HTML comment), or ''. */
export function firstComment(text) {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^\s*(\/\/|\/\*|<!--)/.test(line));
  if (start < 0) return '';
  const first = lines[start].trim();
  if (first.startsWith('//')) {
    let end = start;
    while (end < lines.length && lines[end].trim().startsWith('//')) end++;
    return lines.slice(start, end).join('\n');
  }
  const close = first.startsWith('<!--') ? '-->' : '*/';
  const end = lines.findIndex((line, i) => i >= start && line.includes(close));
  return lines.slice(start, end < 0 ? lines.length : end + 1).join('\n');
}

/** The source files git knows (tracked, or new and not ignored), relative to root. */
export function sourceFiles(root) {
  const git = (args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n');
  const files = new Set([...git(['ls-files', '--', ...SOURCE_DIRS]), ...git(['ls-files', '--others', '--exclude-standard', '--', ...SOURCE_DIRS])]);
  return [...files].filter((file) => SOURCE_FILE.test(file)).sort();
}

/** Files over `limit` lines whose first comment gives no reason, longest first. */
export function longFilesWithoutReason(root, files = sourceFiles(root), limit = LINE_LIMIT) {
  const found = [];
  for (const file of files) {
    let text;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue; // deleted in the working tree
    }
    const lines = lineCount(text);
    if (lines > limit && !REASON.test(firstComment(text))) found.push({ file, lines });
  }
  return found.sort((a, b) => b.lines - a.lines);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const found = longFilesWithoutReason(root);
  for (const { file, lines } of found) console.log(`${String(lines).padStart(5)} ${file}`);
  if (found.length > 0) {
    console.error(`${found.length} file(s) over ${LINE_LIMIT} lines without "Long file: <reason>" in their first comment.`);
    process.exitCode = 1;
  }
}
