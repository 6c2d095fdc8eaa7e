// Runs Doyensec's electronegativity over the built app (out/) and fails on any high or critical
// finding. It scans the JavaScript that ships, not the TypeScript sources (its parser predates
// some TypeScript syntax we use).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const dir = mkdtempSync(join(tmpdir(), 'electronegativity-'));
const report = join(dir, 'report.csv');
const bin = join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
const run = spawnSync(process.execPath, [bin, '-i', join(root, 'out'), '-r', '-e', electronVersion, '-o', report], {
  encoding: 'utf8',
});
let csv = '';
try {
  csv = readFileSync(report, 'utf8');
} catch {
  console.error(`electronegativity produced no report (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  process.exit(1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// Rows start with the check's name and its quoted severity; sample columns may contain anything.
const findings = [...csv.matchAll(/^([A-Z0-9_]+_CHECK),"([A-Z]+)","([A-Z]+)","([^"]*)","([^"]*)"/gm)].map((m) => ({
  check: m[1],
  severity: m[2],
  confidence: m[3],
  file: m[4],
  location: m[5],
}));
const serious = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'CRITICAL');
for (const f of findings) console.log(`electronegativity: ${f.severity.padEnd(8)} ${f.check} ${f.file}:${f.location} (${f.confidence})`);
if (serious.length > 0) {
  console.error(`electronegativity: ${serious.length} high-severity finding(s).`);
  process.exit(1);
}
console.log(`electronegativity: ${findings.length} finding(s), none of high severity.`);
