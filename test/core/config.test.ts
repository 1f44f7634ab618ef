import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_URL, DEFAULT_MODEL, resolveConfig } from '../../src/core/run/config.js';
import { UsageError } from '../../src/core/errors.js';

describe('resolveConfig: flag > environment > .env > default', () => {
  it.each([
    { flags: {}, env: {}, dotenv: {}, model: DEFAULT_MODEL, src: 'default' },
    { flags: {}, env: {}, dotenv: { AI_MODEL: 'from/dotenv' }, model: 'from/dotenv', src: 'dotenv' },
    { flags: {}, env: { AI_MODEL: 'from/env' }, dotenv: { AI_MODEL: 'from/dotenv' }, model: 'from/env', src: 'env' },
    { flags: { model: 'from/flag' }, env: { AI_MODEL: 'from/env' }, dotenv: { AI_MODEL: 'x' }, model: 'from/flag', src: 'flag' },
    { flags: {}, env: { AI_MODEL: '' }, dotenv: { AI_MODEL: 'from/dotenv' }, model: 'from/dotenv', src: 'dotenv' },
  ])('model from $src', ({ flags, env, dotenv, model, src }) => {
    const c = resolveConfig({ flags, env, dotenv });
    expect(c.model).toBe(model);
    expect(c.sources.model).toBe(src);
  });

  it('defaults, trailing slashes and the max edge', () => {
    const c = resolveConfig({ flags: {}, env: { OPENROUTER_BASE_URL: 'http://127.0.0.1:1/api/v1/' } });
    expect(c.baseURL).toBe('http://127.0.0.1:1/api/v1');
    expect(c.maxEdge).toBe(2048);
    expect(c.maxEdgeExplicit).toBe(false);
    expect(resolveConfig({ flags: {}, env: {} }).baseURL).toBe(DEFAULT_BASE_URL);
    expect(resolveConfig({ flags: {}, env: { MAX_IMAGE_SIZE: '1024' } }).maxEdge).toBe(1024);
    const flag = resolveConfig({ flags: { maxEdge: '800' }, env: { MAX_IMAGE_SIZE: '1024' } });
    expect([flag.maxEdge, flag.maxEdgeExplicit]).toEqual([800, true]);
  });

  it.each(['abc', '0', '-5', '1.5', '99999'])('rejects MAX_IMAGE_SIZE=%s with a usage error', (value) => {
    expect(() => resolveConfig({ flags: {}, env: { MAX_IMAGE_SIZE: value } })).toThrow(UsageError);
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => resolveConfig({ flags: { baseUrl: 'openrouter.ai' }, env: {} })).toThrow(/http/);
  });
});
