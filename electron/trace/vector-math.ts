/** Small vector helpers over rows of a [dim, rows] float array (ggml's layout: a row is contiguous). */

export function row(data: Float32Array, dim: number, index: number): Float32Array {
  return data.subarray(index * dim, (index + 1) * dim);
}

export function norm(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i += 1) sum += (v[i] ?? 0) * (v[i] ?? 0);
  return Math.sqrt(sum);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? 0 : dot / Math.sqrt(aa * bb);
}
