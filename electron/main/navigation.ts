import { isAppUrl } from './app-origin';

/** Schemes a link in model output may open in the system browser (after the user clicks it). */
const EXTERNAL_SCHEMES = new Set(['https:', 'http:', 'mailto:']);

/** Whether a URL may be handed to the operating system's browser: a plain web or mail link only. */
export function isSafeExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (!EXTERNAL_SCHEMES.has(url.protocol)) return false;
  if (url.protocol === 'mailto:') return url.pathname.length > 0;
  // user-info tricks like https://good.com@evil.com are refused outright.
  return url.hostname.length > 0 && url.username === '' && url.password === '';
}

/** In-app navigation is only ever to our own origin; everything else is denied. */
export function mayNavigate(raw: string): boolean {
  return isAppUrl(raw);
}
