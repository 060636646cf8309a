import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  boolean,
  ConfigError,
  durationMs,
  integer,
  jsonObjects,
  jsonStringMap,
  jsonStrings,
  list,
  MONGO_SCHEMES,
  NATS_SCHEMES,
  number,
  oneOf,
  required,
  text,
  url,
  type Env,
} from '../../lib/config.ts';
import { PermanentError } from '../../lib/errors.ts';

const NAME = 'INETSWARM_EXAMPLE';

/** A reader applied to one value of INETSWARM_EXAMPLE. */
type Read = (env: Env) => unknown;

const readers: Record<string, Read> = {
  text: (env) => text(env, NAME),
  required: (env) => required(env, NAME),
  'integer (min 0)': (env) => integer(env, NAME),
  'integer (1 to 65535)': (env) => integer(env, NAME, { min: 1, max: 65_535 }),
  number: (env) => number(env, NAME),
  durationMs: (env) => durationMs(env, NAME),
  'durationMs (zero allowed)': (env) => durationMs(env, NAME, { allowZero: true }),
  boolean: (env) => boolean(env, NAME),
  oneOf: (env) => oneOf(env, NAME, ['release', 'debug']),
  'url (NATS)': (env) => url(env, NAME, NATS_SCHEMES),
  'url (MongoDB, secret)': (env) => url(env, NAME, MONGO_SCHEMES, { secret: true }),
  list: (env) => list(env, NAME),
  jsonStrings: (env) => jsonStrings(env, NAME),
  jsonStringMap: (env) => jsonStringMap(env, NAME),
  jsonObjects: (env) => jsonObjects(env, NAME),
};

const good: { reader: string; value: string | undefined; expected: unknown }[] = [
  { reader: 'text', value: 'inet-swarm', expected: 'inet-swarm' },
  { reader: 'text', value: undefined, expected: undefined },
  { reader: 'text', value: '  ', expected: undefined },
  { reader: 'required', value: 'x', expected: 'x' },
  { reader: 'integer (min 0)', value: '0', expected: 0 },
  { reader: 'integer (min 0)', value: '42', expected: 42 },
  { reader: 'integer (min 0)', value: '', expected: undefined },
  { reader: 'integer (1 to 65535)', value: '65535', expected: 65_535 },
  { reader: 'number', value: '0.5', expected: 0.5 },
  { reader: 'durationMs', value: '60', expected: 60_000 },
  { reader: 'durationMs', value: '0.5', expected: 500 },
  { reader: 'durationMs', value: undefined, expected: undefined },
  { reader: 'durationMs (zero allowed)', value: '0', expected: 0 },
  { reader: 'boolean', value: 'true', expected: true },
  { reader: 'boolean', value: 'FALSE', expected: false },
  { reader: 'boolean', value: '1', expected: true },
  { reader: 'boolean', value: '0', expected: false },
  { reader: 'oneOf', value: 'debug', expected: 'debug' },
  { reader: 'url (NATS)', value: 'nats://127.0.0.1:4222', expected: 'nats://127.0.0.1:4222' },
  { reader: 'url (NATS)', value: 'tls://a:4222,tls://b:4222', expected: 'tls://a:4222,tls://b:4222' },
  { reader: 'url (MongoDB, secret)', value: 'mongodb://u:pw@a:27017,b:27017/?replicaSet=rs', expected: 'mongodb://u:pw@a:27017,b:27017/?replicaSet=rs' },
  { reader: 'url (MongoDB, secret)', value: 'mongodb+srv://cluster.example.org', expected: 'mongodb+srv://cluster.example.org' },
  { reader: 'list', value: 'arn:a, arn:b,,arn:c', expected: ['arn:a', 'arn:b', 'arn:c'] },
  { reader: 'list', value: '127.0.0.1:1 127.0.0.1:2', expected: ['127.0.0.1:1', '127.0.0.1:2'] },
  { reader: 'jsonStrings', value: '["make makefiles","make -j$JOBS"]', expected: ['make makefiles', 'make -j$JOBS'] },
  { reader: 'jsonStringMap', value: '{"inetswarm.dev/pool":"runner"}', expected: { 'inetswarm.dev/pool': 'runner' } },
  { reader: 'jsonObjects', value: '[{"key":"k","operator":"Exists"}]', expected: [{ key: 'k', operator: 'Exists' }] },
  { reader: 'jsonObjects', value: '[]', expected: [] },
];

const bad: { reader: string; value: string | undefined; message: RegExp }[] = [
  { reader: 'required', value: undefined, message: /INETSWARM_EXAMPLE is required but not set/ },
  { reader: 'required', value: '', message: /INETSWARM_EXAMPLE is required but not set/ },
  { reader: 'integer (min 0)', value: '-1', message: /INETSWARM_EXAMPLE must be a non-negative integer, got "-1"/ },
  { reader: 'integer (min 0)', value: '1.5', message: /INETSWARM_EXAMPLE must be a non-negative integer, got "1.5"/ },
  { reader: 'integer (min 0)', value: 'two', message: /INETSWARM_EXAMPLE must be a non-negative integer, got "two"/ },
  { reader: 'integer (1 to 65535)', value: '0', message: /INETSWARM_EXAMPLE must be a positive integer of at most 65535, got "0"/ },
  { reader: 'integer (1 to 65535)', value: '70000', message: /INETSWARM_EXAMPLE must be a positive integer of at most 65535/ },
  { reader: 'number', value: '-0.5', message: /INETSWARM_EXAMPLE must be a non-negative number, got "-0.5"/ },
  { reader: 'number', value: 'lots', message: /INETSWARM_EXAMPLE must be a non-negative number/ },
  { reader: 'durationMs', value: '0', message: /INETSWARM_EXAMPLE must be a positive number of seconds, got "0"/ },
  { reader: 'durationMs', value: '10s', message: /INETSWARM_EXAMPLE must be a positive number of seconds, got "10s"/ },
  { reader: 'durationMs (zero allowed)', value: '-1', message: /INETSWARM_EXAMPLE must be a non-negative number of seconds/ },
  { reader: 'boolean', value: 'yes', message: /INETSWARM_EXAMPLE must be true or false, got "yes"/ },
  { reader: 'oneOf', value: 'fast', message: /INETSWARM_EXAMPLE must be one of release, debug, got "fast"/ },
  { reader: 'url (NATS)', value: '127.0.0.1:4222', message: /INETSWARM_EXAMPLE must be a URL starting with nats:\/\/ or tls:\/\/ or ws:\/\/ or wss:\/\/, got "127.0.0.1:4222"/ },
  { reader: 'jsonStrings', value: 'make', message: /INETSWARM_EXAMPLE must be a JSON array of strings, got "make"/ },
  { reader: 'jsonStrings', value: '[1,2]', message: /INETSWARM_EXAMPLE must be a JSON array of strings/ },
  { reader: 'jsonStringMap', value: '{"a":1}', message: /INETSWARM_EXAMPLE must be a JSON object of strings, got "{\\"a\\":1}"/ },
  { reader: 'jsonStringMap', value: '["a"]', message: /INETSWARM_EXAMPLE must be a JSON object of strings/ },
  { reader: 'jsonObjects', value: '{"key":"k"}', message: /INETSWARM_EXAMPLE must be a JSON array of objects/ },
  { reader: 'jsonObjects', value: '["k"]', message: /INETSWARM_EXAMPLE must be a JSON array of objects/ },
];

describe('configuration readers', () => {
  for (const { reader, value, expected } of good) {
    it(`${reader} reads ${JSON.stringify(value)} as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(readers[reader]!({ [NAME]: value }), expected);
    });
  }

  for (const { reader, value, message } of bad) {
    it(`${reader} rejects ${JSON.stringify(value)} with a ConfigError naming the variable`, () => {
      assert.throws(
        () => readers[reader]!({ [NAME]: value }),
        (error: unknown) => error instanceof ConfigError && error.variable === NAME && message.test(error.message),
      );
    });
  }

  it('leaves the value of a secret out of the message', () => {
    const secret = 'postgres://admin:hunter2@db:5432/';
    assert.throws(
      () => url({ [NAME]: secret }, NAME, MONGO_SCHEMES, { secret: true }),
      (error: unknown) => error instanceof ConfigError && /INETSWARM_EXAMPLE must be a URL starting with mongodb:\/\//.test(error.message) && !error.message.includes('hunter2'),
    );
  });

  it('treats a configuration error as permanent, so callers that stop on PermanentError stop on it', () => {
    assert.ok(new ConfigError(NAME, 'bad') instanceof PermanentError);
  });

  it('puts the variable in front of a message that does not name it', () => {
    assert.equal(new ConfigError(NAME, 'bad value').message, 'INETSWARM_EXAMPLE: bad value');
    assert.equal(new ConfigError(NAME, `${NAME} is bad`).message, 'INETSWARM_EXAMPLE is bad');
  });
});
