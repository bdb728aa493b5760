import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { EVOLUTION_CONFIG_EVENTS, instanceRow, makeWebsocketConfig, type SimInstance } from './evolution-data';

/**
 * The slice of Evolution API v2's REST surface the console uses: `GET /`,
 * `GET /instance/fetchInstances`, `GET /instance/connectionState/:instance`,
 * `POST /websocket/set/:instance`, `GET /websocket/find/:instance`. Auth is the `apikey` header only
 * (global key, or the instance's own token on that instance's routes); `Authorization: Bearer` is
 * not accepted, as upstream.
 */

const SetBody = z.object({
  websocket: z.object({ enabled: z.boolean(), events: z.array(z.enum(EVOLUTION_CONFIG_EVENTS)).default([]) }),
});

export const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
};

/** evolution-api's error middleware shape: `{status, error, response: {message}}`. */
export const fail = (res: ServerResponse, status: number, error: string, message: unknown) =>
  sendJson(res, status, { status, error, response: { message } });

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 1_000_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

const INSTANCE_ROUTES = ['GET /instance/connectionState', 'POST /websocket/set', 'GET /websocket/find'];

export function createEvolutionRest(ctx: { apiKey: string; instances: Map<string, SimInstance>; baseUrl: () => string }) {
  const { apiKey, instances } = ctx;
  const authorized = (req: IncomingMessage, instance?: SimInstance) => {
    const key = req.headers.apikey;
    return key === apiKey || (!!instance && key === instance.token);
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'GET' && path === '/') {
      return sendJson(res, 200, {
        status: 200, message: 'Welcome to the Evolution API, it is working!', version: '2.3.7', clientName: 'evolution_exchange',
        manager: `${ctx.baseUrl()}/manager`, documentation: 'https://doc.evolution-api.com', whatsappWebVersion: '2.3000.1023204200',
      });
    }
    if (req.method === 'GET' && path === '/instance/fetchInstances') {
      const key = req.headers.apikey;
      const byToken = [...instances.values()].find((i) => i.token === key);
      if (key !== apiKey && !byToken) return fail(res, 401, 'Unauthorized', 'Unauthorized');
      const only = url.searchParams.get('instanceName');
      if (only && !instances.has(only)) return fail(res, 404, 'Not Found', [`Instance "${only}" not found`]);
      // An instance token only ever sees its own instance.
      const list = [...instances.values()].filter((i) => (key === apiKey || i === byToken) && (!only || i.name === only));
      return sendJson(res, 200, list.map(instanceRow));
    }
    const [, group, action, rawName] = path.split('/');
    const route = `${req.method} /${group}/${action}`;
    if (rawName !== undefined && INSTANCE_ROUTES.includes(route)) {
      const name = decodeURIComponent(rawName);
      const inst = instances.get(name);
      // As upstream: instanceExistsGuard runs before the auth guard, so unknown names 404 even unauthenticated.
      if (!inst) return fail(res, 404, 'Not Found', [`The "${name}" instance does not exist`]);
      if (!authorized(req, inst)) return fail(res, 401, 'Unauthorized', 'Unauthorized');
      if (route === 'GET /instance/connectionState') return sendJson(res, 200, { instance: { instanceName: name, state: inst.state } });
      if (route === 'GET /websocket/find') return sendJson(res, 200, inst.websocket); // `null` when never set, not 404
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req)) || '{}');
      } catch {
        return fail(res, 400, 'Bad Request', ['Invalid JSON body']);
      }
      const parsed = SetBody.safeParse(body);
      if (!parsed.success) return fail(res, 400, 'Bad Request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
      inst.websocket = makeWebsocketConfig(inst.id, parsed.data.websocket.enabled, parsed.data.websocket.events, inst.websocket);
      return sendJson(res, 201, inst.websocket);
    }
    if (!authorized(req)) return fail(res, 401, 'Unauthorized', 'Unauthorized');
    fail(res, 404, 'Not Found', [`Cannot ${req.method} ${url.pathname}`]);
  };
}
