// OpenAPI 3.1 document generated from the method table: one POST path per method.
import * as z from './schema.js';
import { methods, API_PREFIX, EVENTS_PATH, CONSOLE_PATH } from './methods.js';
import { ErrorBodySchema, EventSchema } from './types.js';

const schema = z.toJSONSchema;

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(methods)) {
    paths[API_PREFIX + name] = {
      post: {
        operationId: name,
        summary: def.summary,
        'x-readonly': def.readonly,
        requestBody: { required: true, content: { 'application/json': { schema: schema(def.params) } } },
        responses: {
          200: { description: 'result', content: { 'application/json': { schema: schema(def.result) } } },
          default: { description: 'error', content: { 'application/json': { schema: schema(ErrorBodySchema) } } },
        },
      },
    };
  }
  paths[EVENTS_PATH] = {
    get: {
      summary: 'WebSocket: one JSON event per message',
      responses: { 101: { description: 'switching to WebSocket', content: { 'application/json': { schema: schema(EventSchema) } } } },
    },
  };
  paths[CONSOLE_PATH] = {
    get: {
      summary: 'WebSocket: raw bytes of a domain character device (query: domain, dev)',
      responses: { 101: { description: 'switching to WebSocket' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'tsvirt API', version },
    servers: [{ url: 'http://localhost', description: 'the unix socket of tsvirtd' }],
    paths,
  };
}
