/**
 * Every failure the ARM emulator answers, written once: status, code and message. Handlers throw
 * these; the pipeline turns them into Azure's envelope `{ "error": { "code", "message" } }`.
 * Codes Azure documents are used verbatim; codes the emulator had to choose (Azure's exact code is
 * unknown) are listed in README.md under LIMITATIONS.
 */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: { code: string; message: string; target?: string }[],
  ) {
    super(message);
    this.name = 'ArmError';
  }

  toBody(): { error: { code: string; message: string; details?: { code: string; message: string; target?: string }[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

// --- 400 ---
export const invalidRequest = (field: string, why: string): ArmError =>
  new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request: ${field}: ${why}`, {}, [{ code: 'InvalidRequestFormat', message: why, target: field }]);
export const invalidJson = (why: string): ArmError =>
  new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: ${why}`);
export const missingApiVersion = (): ArmError =>
  new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
export const invalidApiVersion = (value: string, supported: readonly string[]): ArmError =>
  new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${value}' is invalid. The supported versions are '${supported.join(',')}'.`);
export const unsupportedApiVersion = (value: string, resourceType: string, supported: readonly string[]): ArmError =>
  new ArmError(400, 'NoRegisteredProviderFound', `No registered resource provider found for api version '${value}' and type '${resourceType}'. The supported api-versions (emulator, strict mode) are '${supported.join(', ')}'.`);
export const limitExceeded = (code: string, message: string): ArmError => new ArmError(400, code, message);
export const badRequest = (code: string, message: string): ArmError => new ArmError(400, code, message);

// --- 401 ---
const wwwAuthenticate = (description: string): Record<string, string> => ({
  'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
});
export const authenticationMissing = (): ArmError =>
  new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", wwwAuthenticate('The authentication failed because of missing Authorization header.'));
export const authenticationMalformed = (): ArmError =>
  new ArmError(401, 'AuthenticationFailedInvalidHeader', "Authentication failed. The 'Authorization' header is provided in an invalid format.", wwwAuthenticate('The Authorization header is not a Bearer token.'));
export const tokenRejected = (code: string, message: string): ArmError => new ArmError(401, code, message, wwwAuthenticate(message));

// --- 404 ---
export const subscriptionNotFound = (subscriptionId: string): ArmError =>
  new ArmError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
export const resourceGroupNotFound = (name: string): ArmError =>
  new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
export const notFound = (resourceType: string, name: string, resourceGroup: string): ArmError =>
  new ArmError(404, 'ResourceNotFound', `The Resource '${resourceType}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
export const operationNotFound = (operationId: string): ArmError =>
  new ArmError(404, 'ResourceNotFound', `The operation '${operationId}' was not found (operations are kept in memory until the emulator is reset).`);

// --- 409 / 412 / 429 ---
export const anotherOperationInProgress = (resourceId: string, operationId: string): ArmError =>
  new ArmError(409, 'AnotherOperationInProgress', `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${operationId}. Resource: ${resourceId}.`);
export const retryableAnotherOperation = (resourceId: string, operationId: string, retryAfterSeconds: number): ArmError =>
  new ArmError(429, 'RetryableErrorDueToAnotherOperation', `Operation on ${resourceId} cannot be performed now because another operation (${operationId}) on this or a referenced resource is in progress. Retry after ${retryAfterSeconds} seconds.`, { 'retry-after': String(retryAfterSeconds) });
export const deleteNotAllowedWhileUpdating = (groupId: string, operationId: string): ArmError =>
  new ArmError(409, 'FirewallPolicyRuleCollectionGroupDeleteNotAllowedWhenUpdatingOrDeleting', `Rule Collection Group ${groupId} can not be deleted because it is in Updating state from previous operation ID ${operationId}.`);
export const conflict = (code: string, message: string): ArmError => new ArmError(409, code, message);
export const preconditionFailed = (header: string, expected: string, actual: string | undefined): ArmError =>
  new ArmError(412, 'PreconditionFailed', `The condition specified using HTTP conditional header(s) is not met: ${header} '${expected}', current etag '${actual ?? '(resource does not exist)'}'.`);
export const throttled = (retryAfterSeconds: number): ArmError =>
  new ArmError(429, 'TooManyRequests', `The request is being throttled (emulator fault injection). Retry after ${retryAfterSeconds} seconds.`, { 'retry-after': String(retryAfterSeconds) });

export const subscriptionThrottled = (subscriptionId: string, retryAfterSeconds: number, kind: 'read' | 'write' = 'write'): ArmError =>
  new ArmError(429, 'SubscriptionRequestsThrottled', `Number of '${kind}' requests for subscription '${subscriptionId}' exceeded. Please try again after '${retryAfterSeconds}' seconds after the additional tokens are available. Refer to https://aka.ms/arm-throttling`, { 'retry-after': String(retryAfterSeconds) });

// --- 5xx ---
export const internalError = (message: string): ArmError => new ArmError(500, 'InternalServerError', message);
export const notImplemented = (method: string, path: string, why = 'the ARM emulator does not implement this operation'): ArmError =>
  new ArmError(501, 'NotImplemented', `${method} ${path}: ${why}. See local/emulators/arm/README.md for the supported operations.`);
