// Query parameters of the API, checked: a bad value is a 400 that names the
// parameter, never a silently different answer. Pure.
import { badRequest } from '../http/errors.ts';
import type { RunQuery } from '../dashboard/data.ts';

const RUN_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;

export function integerParam(query: URLSearchParams, name: string, range: { min: number; max?: number }): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < range.min || (range.max !== undefined && value > range.max)) {
    throw badRequest(`${name} must be an integer${range.max !== undefined ? ` from ${range.min} to ${range.max}` : ` of at least ${range.min}`}, not "${raw}"`);
  }
  return value;
}

export function runQuery(query: URLSearchParams): RunQuery & { last: boolean } {
  const status = query.get('status') ?? undefined;
  if (status !== undefined && status !== '' && !(RUN_STATUSES as readonly string[]).includes(status)) {
    throw badRequest(`status must be one of ${RUN_STATUSES.join(', ')}, not "${status}"`);
  }
  const after = integerParam(query, 'after', { min: -1 });
  const before = integerParam(query, 'before', { min: 0 });
  if (after !== undefined && before !== undefined) throw badRequest('give after or before, not both');
  const limit = integerParam(query, 'limit', { min: 1, max: 1000 });
  return {
    ...(status ? { status } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(before !== undefined ? { before } : {}),
    ...(limit !== undefined ? { limit } : {}),
    last: query.get('last') === 'true',
  };
}

export function requiredParam(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (!value) throw badRequest(`${name} is required`);
  return value;
}

export function runParam(value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value)) throw badRequest(`a run number is a non-negative integer, not "${value ?? ''}"`);
  return Number(value);
}
