import { EventGridPublisherClient } from '@azure/eventgrid';
import type { TokenCredential } from '@azure/identity';

export interface EgressPilotEvent {
  /** e.g. EgressPilot.TenantReady */
  eventType: string;
  /** e.g. tenants/spoke1-aks/tenant0 */
  subject: string;
  data: Record<string, unknown>;
  /** Deterministic id so a retried publish is recognisable as the same event downstream. */
  id: string;
}

export interface EventPublisher {
  publish(event: EgressPilotEvent): Promise<void>;
}

/** Publishes in the Event Grid schema with the app's identity (EventGrid Data Sender on the topic). */
export function eventGridPublisher(endpoint: string, credential: TokenCredential): EventPublisher {
  const client = new EventGridPublisherClient(endpoint, 'EventGrid', credential);
  return {
    async publish(event) {
      await client.send([{ id: event.id, eventType: event.eventType, subject: event.subject, dataVersion: '1.0', data: event.data }]);
    },
  };
}

/** When no topic is configured, events are only logged. */
export const noTopicPublisher: EventPublisher = { publish: async () => undefined };
