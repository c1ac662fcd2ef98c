import { app, type HttpResponseInit } from '@azure/functions';

/** Liveness probe: answers without touching storage or the cloud. */
export function health(): HttpResponseInit {
  return { status: 200, jsonBody: { status: 'ok', service: 'egress-pilot' } };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
