/**
 * What an `apply` request did, from the API's answer: POST answers 202 both when it starts an onboarding (phase
 * Pending) and when the same spec is already there (the tenant's phase); PUT answers 200 when nothing changed.
 * `started`: a lifecycle began with this request, so `--wait` shows only its progress. Pure.
 */
import { isSettled } from './progress';

export interface ApplyOutcome {
  said: string;
  started: boolean;
}

export function applyOutcome(method: 'POST' | 'PUT', status: number, phase: string): ApplyOutcome {
  if (method === 'PUT' && status === 200) return { said: 'unchanged', started: false };
  if (phase === 'Pending') return { said: 'onboarding accepted', started: true };
  if (method === 'PUT') return { said: 'update accepted', started: true };
  if (isSettled({ phase })) return { said: 'unchanged (this spec is already applied)', started: false };
  return { said: `already under way with this spec (phase ${phase})`, started: false };
}
