import { SECURITY_HEADERS } from '../web/csp';
import { readStaticFile } from '../web/static-files';
import { APP_HOST } from './app-origin';

export interface ProtocolResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Answers an app:// request from the built renderer folder, with the same headers as web mode. */
export function appProtocolResponse(rendererDir: string, requestUrl: string): ProtocolResponse {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { status: 400, headers: SECURITY_HEADERS, body: 'Bad request' };
  }
  if (url.host !== APP_HOST) return { status: 404, headers: SECURITY_HEADERS, body: 'Not found' };
  const file = readStaticFile(rendererDir, url.pathname);
  if (!file) return { status: 404, headers: SECURITY_HEADERS, body: 'Not found' };
  return { status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': file.contentType }, body: file.body };
}
