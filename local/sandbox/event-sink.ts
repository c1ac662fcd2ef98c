import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One event as the app published it (Event Grid schema). */
export interface ReceivedEvent {
  id: string;
  eventType: string;
  subject: string;
  data: unknown;
  eventTime?: string;
}

export interface EventSink {
  /** Topic endpoint to give the app as EVENT_GRID_TOPIC_ENDPOINT. */
  topicEndpoint: string;
  events(): ReceivedEvent[];
  stop(): Promise<void>;
}

/**
 * Stands in for an Event Grid custom topic: accepts the publisher's POST (a JSON array in the Event
 * Grid schema, bearer token present) over HTTPS and keeps what it received; GET /api/events lists it.
 */
export async function startEventSink(tls: { certPem: string; keyPem: string }, port = 0): Promise<EventSink> {
  const received: ReceivedEvent[] = [];
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      if (req.method === 'GET' && url.pathname === '/api/events') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
        return;
      }
      if (req.method !== 'POST' || url.pathname !== '/api/events') {
        res.writeHead(404).end();
        return;
      }
      if (!/^Bearer\s+\S+/.test(req.headers.authorization ?? '') && !req.headers['aeg-sas-key']) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'Unauthorized', message: 'no credentials' } }));
        return;
      }
      try {
        const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (!Array.isArray(body)) throw new Error('body must be a JSON array of events');
        for (const e of body as ReceivedEvent[]) {
          if (typeof e.id !== 'string' || typeof e.eventType !== 'string' || typeof e.subject !== 'string') throw new Error('each event needs id, eventType, subject');
          received.push(e);
        }
        res.writeHead(200).end();
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'BadRequest', message: error instanceof Error ? error.message : String(error) } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    topicEndpoint: `https://127.0.0.1:${bound}/api/events`,
    events: () => [...received],
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
