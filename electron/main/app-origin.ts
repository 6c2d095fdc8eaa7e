/** The renderer is served from this origin (a privileged custom scheme), never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'glassbox';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True only for a URL of our own app origin (no user-info, no port, no look-alike host). */
export function isAppUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    url.protocol === `${APP_SCHEME}:` && url.host.toLowerCase() === APP_HOST && url.username === '' && url.password === '' && url.port === ''
  );
}
