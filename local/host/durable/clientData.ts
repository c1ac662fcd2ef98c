/**
 * The `durableClient` input binding payload (OrchestrationClientInputData) the extension hands to functions:
 * URL templates of this host's management API. Field names: durable extension BindingHelper.cs; the
 * instance placeholder is the literal "INSTANCEID". rpcBaseUrl is omitted, so the client fills the templates.
 */
export const webhookPath = '/runtime/webhooks/durabletask';

export interface DurableClientData {
  taskHubName: string;
  connectionName: string;
  creationUrls: Record<string, string>;
  managementUrls: Record<string, string>;
  baseUrl: string;
  requiredQueryStringParameters: string;
}

export function managementUrls(origin: string, hubName: string, systemKey: string, instanceId = 'INSTANCEID'): Record<string, string> {
  const b = `${origin}${webhookPath}`;
  const q = `taskHub=${encodeURIComponent(hubName)}&connection=Storage&code=${encodeURIComponent(systemKey)}`;
  const i = `${b}/instances/${instanceId === 'INSTANCEID' ? instanceId : encodeURIComponent(instanceId)}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${i}?${q}`,
    sendEventPostUri: `${i}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${i}/terminate?reason={text}&${q}`,
    rewindPostUri: `${i}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${i}?${q}`,
    restartPostUri: `${i}/restart?${q}`,
    suspendPostUri: `${i}/suspend?reason={text}&${q}`,
    resumePostUri: `${i}/resume?reason={text}&${q}`,
  };
}

export function durableClientData(origin: string, hubName: string, systemKey: string): DurableClientData {
  const b = `${origin}${webhookPath}`;
  const code = `code=${encodeURIComponent(systemKey)}`;
  return {
    taskHubName: hubName,
    connectionName: 'Storage',
    creationUrls: {
      createNewInstancePostUri: `${b}/orchestrators/{functionName}[/{instanceId}]?${code}`,
      createAndWaitOnNewInstancePostUri: `${b}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
    },
    managementUrls: managementUrls(origin, hubName, systemKey),
    baseUrl: b,
    requiredQueryStringParameters: code,
  };
}
