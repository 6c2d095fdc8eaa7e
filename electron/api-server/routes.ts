/** The API's routes, from the method and the path (without the query). */
export type Route =
  | { name: 'models' }
  | { name: 'model'; id: string }
  | { name: 'chat' }
  | { name: 'completions' }
  | { name: 'embeddings' }
  | 'unknown'
  | 'wrong-method';

export function routeOf(method: string, path: string): Route {
  const p = path.replace(/\/+$/, '');
  const get = (route: Route): Route => (method === 'GET' || method === 'HEAD' ? route : 'wrong-method');
  const post = (route: Route): Route => (method === 'POST' ? route : 'wrong-method');
  if (p === '/v1/models') return get({ name: 'models' });
  if (p.startsWith('/v1/models/') && p.length > '/v1/models/'.length) {
    let id: string;
    try {
      id = decodeURIComponent(p.slice('/v1/models/'.length));
    } catch {
      return 'unknown';
    }
    return get({ name: 'model', id });
  }
  if (p === '/v1/chat/completions') return post({ name: 'chat' });
  if (p === '/v1/completions') return post({ name: 'completions' });
  if (p === '/v1/embeddings') return post({ name: 'embeddings' });
  return 'unknown';
}
