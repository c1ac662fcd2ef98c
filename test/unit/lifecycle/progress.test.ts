import { currentStep, failStep, initialSteps, lifecycleInstanceId, phaseOfStep, startStep, succeedStep } from '../../../lib/domain/lifecycle/progress';

describe('lifecycle progress', () => {
  it('walks onboarding steps in the walkthrough order with their phases', () => {
    const steps = initialSteps('onboard');
    expect(steps.map((s) => s.name)).toEqual(['allocateCidr', 'checkCapacity', 'applyGateway', 'waitForRoutes', 'openFirewall', 'verifyEgress', 'publishReady']);
    expect(steps.map((s) => phaseOfStep('onboard', s.name))).toEqual(['Allocating', 'Allocating', 'ApplyingGateway', 'WaitingForRoutes', 'OpeningFirewall', 'OpeningFirewall', 'OpeningFirewall']);
    expect(phaseOfStep('offboard', 'removeGateway')).toBe('Deleting');
  });
  it('records start, end and failure with the given timestamps', () => {
    let steps = startStep(initialSteps('onboard'), 'allocateCidr', 't1');
    expect(currentStep(steps)).toBe('allocateCidr');
    steps = succeedStep(steps, 'allocateCidr', 't2', '10.99.0.0/29');
    expect(steps[0]).toEqual({ name: 'allocateCidr', state: 'Succeeded', startedAt: 't1', endedAt: 't2', detail: '10.99.0.0/29' });
    steps = failStep(startStep(steps, 'checkCapacity', 't3'), 'checkCapacity', 't4', 'no room');
    expect(steps[1]).toMatchObject({ state: 'Failed', startedAt: 't3', endedAt: 't4', detail: 'no room' });
  });
  it('marks skipped steps of a firewall-only update', () => {
    const steps = initialSteps('update', new Set(['applyGateway', 'waitForRoutes']));
    expect(steps.filter((s) => s.state === 'Skipped').map((s) => s.name)).toEqual(['applyGateway', 'waitForRoutes']);
  });
  it('derives one deterministic instance id per tenant', () => {
    expect(lifecycleInstanceId('spoke1-aks', 'tenant0')).toBe('tenant:spoke1-aks:tenant0');
    expect(lifecycleInstanceId('a-b', 'c')).not.toBe(lifecycleInstanceId('a', 'b-c'));
  });
});
