import { app } from '@azure/functions';
import { openApiDocument } from './openapi-document';

app.http('openapi', {
  route: 'openapi.json', methods: ['GET'], authLevel: 'function',
  handler: async () => ({ status: 200, jsonBody: openApiDocument }),
});
