export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

const THEME_KEY = 'glassbox.theme';
const PROBABILITIES_KEY = 'glassbox.showProbabilities';

/** What the window remembers about how it looks, in this browser profile (localStorage). */
export class Preferences {
  theme = $state<Theme>('system');
  showProbabilities = $state(false);

  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'>,
    private readonly root: HTMLElement | null,
  ) {
    const stored = storage.getItem(THEME_KEY);
    this.theme = THEMES.find((t) => t === stored) ?? 'system';
    this.showProbabilities = storage.getItem(PROBABILITIES_KEY) === 'true';
    this.applyTheme();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.storage.setItem(THEME_KEY, theme);
    this.applyTheme();
  }

  setShowProbabilities(show: boolean): void {
    this.showProbabilities = show;
    this.storage.setItem(PROBABILITIES_KEY, String(show));
  }

  /** app.css: data-theme fixes color-scheme, which every light-dark() colour follows; absent, the system decides. */
  private applyTheme(): void {
    if (!this.root) return;
    if (this.theme === 'system') delete this.root.dataset['theme'];
    else this.root.dataset['theme'] = this.theme;
  }
}
