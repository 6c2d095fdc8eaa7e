/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { useWebModeSession } from './harness';

const session = useWebModeSession();

describe('architecture panel in Chromium (stories260K)', () => {
  it('explains the loaded model from its own GGUF: heads, tree, diagram, causal mask, tokenizer', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(session.web.url);

    const arch = page.getByRole('region', { name: 'Architecture' });
    const facts = arch.getByRole('definition');
    await expect.poll(() => arch.getByText('LlamaForCausalLM').first().isVisible(), { timeout: 60_000 }).toBe(true);
    const terms = await arch.locator('dl dt').allTextContents();
    const values = await facts.allTextContents();
    const fact = (label: string): string => values[terms.indexOf(label)] ?? '';
    expect(fact('Layers')).toMatch(/^5\b/);
    expect(fact('Query heads')).toMatch(/^8\b/);
    expect(fact('KV heads')).toMatch(/^4\b/);
    expect(fact('KV heads')).toContain('2 query heads share each KV head');
    expect(await arch.textContent()).toContain('8 query heads, 4 KV heads');

    // The module tree: the folded layer run opens with the keyboard and shows the projections' shapes.
    const tree = arch.getByRole('tree', { name: 'Module tree' });
    const run = tree.getByRole('treeitem', { name: /0-4: 5 × LlamaDecoderLayer/ });
    await expect.poll(() => run.getAttribute('aria-expanded')).toBe('false');
    await run.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => run.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('ArrowDown');
    const attn = tree.getByRole('treeitem', { name: /self_attn: LlamaAttention/ });
    await expect.poll(() => attn.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => attn.getAttribute('aria-expanded')).toBe('true');
    const q = tree.getByRole('treeitem', { name: /q_proj: Linear/ });
    const k = tree.getByRole('treeitem', { name: /k_proj: Linear/ });
    expect(await q.textContent()).toContain('64 → 64');
    expect(await k.textContent()).toContain('64 → 32');
    expect(await q.getAttribute('aria-level')).toBe('6');

    // The decoder layer diagram: 4 KV heads, each with 2 query heads in its colour.
    const diagram = arch.getByRole('img', { name: /Data flow through one of the 5 decoder layers/ });
    await expect.poll(() => diagram.count()).toBe(1);
    expect(await diagram.locator('[data-box^="kv-"]').count()).toBe(4);
    expect(await diagram.locator('[data-box^="q-"]').count()).toBe(8);
    const fill = (id: string): Promise<string> => diagram.locator(`[data-box="${id}"] rect`).evaluate((el) => getComputedStyle(el).fill);
    expect(await fill('q-3')).toBe(await fill('kv-1'));
    expect(await fill('q-3')).not.toBe(await fill('kv-0'));
    expect(await arch.getByRole('img', { name: /From token ids to next-token probabilities/ }).count()).toBe(1);

    // Send a prompt: the causal mask and the tokenizer view follow it.
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('textbox', { name: 'Message' }).fill('Once upon a time there was');
    await page.getByRole('button', { name: 'Send' }).click();
    const mask = arch.getByRole('group', { name: /Causal mask over \d+ tokens/ });
    await expect.poll(() => mask.count(), { timeout: 60_000 }).toBe(1);
    const rows = mask.getByRole('button');
    const count = await rows.count();
    expect(count).toBeGreaterThan(3);
    expect(await mask.locator('.cell.allowed').count()).toBe((count * (count + 1)) / 2);
    const lastRow = (await rows.nth(count - 1).getAttribute('aria-label')) ?? '';
    expect(lastRow).toMatch(new RegExp(`\\(position ${count - 1}\\) sees ${count} tokens: ‘<s>’`));
    await rows.nth(2).focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => arch.locator('.sentence').textContent()).toMatch(/\(position 3\) sees 4 tokens/);

    const chips = arch.getByRole('list', { name: 'Tokens of your last message' }).getByRole('listitem');
    expect(await chips.count()).toBe(count);
    expect(await chips.first().textContent()).toMatch(/<s>\s*BOS 1/);
    expect(await chips.nth(1).textContent()).toMatch(/␣Once\s*\d+/);

    await arch.getByRole('textbox', { name: 'Try any text' }).fill('hello world');
    const tried = arch.getByRole('list', { name: 'Tokens of the text you typed' }).getByRole('listitem');
    await expect.poll(() => tried.count(), { timeout: 30_000 }).toBeGreaterThan(1);
    expect(await tried.first().getAttribute('aria-label')).toMatch(/id 1, position 0/);

    // The explanations open.
    const why = arch.locator('details.why').filter({ hasText: 'Grouped-query attention' });
    await why.locator('summary').click();
    expect(await why.textContent()).toContain('8 query heads but only 4 KV heads');

    expect(errors).toEqual([]);
    await page.close();
  });
});
