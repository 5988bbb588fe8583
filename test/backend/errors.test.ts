import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TransientBackendError } from '../../src/backend/port.js';
import { isTransient, mapDriverError } from '../../src/backend/sql/errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('driver error mapping', () => {
  it.each([
    ['SQLite busy (the real SqliteError class)', new SQLite.SqliteError('database is locked', 'SQLITE_BUSY')],
    ['SQLite locked', new SQLite.SqliteError('database table is locked', 'SQLITE_LOCKED')],
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', withCode('read ECONNRESET', 'ECONNRESET')],
    ['PG serialization failure', withCode('could not serialize access', '40001')],
    ['PG deadlock', withCode('deadlock detected', '40P01')],
    ['PG lock not available', withCode('could not obtain lock', '55P03')],
    ['PG admin shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['PG connection exception class', withCode('connection failure', '08006')],
    ['pg pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['pg connection terminated', new Error('Connection terminated unexpectedly')],
  ])('maps %s to TransientBackendError', (_what, err) => {
    expect(isTransient(err)).toBe(true);
    const mapped = mapDriverError(err);
    expect(mapped).toBeInstanceOf(TransientBackendError);
    expect((mapped as Error).cause).toBe(err);
  });

  it.each([
    ['a syntax error', withCode('syntax error at or near "selec"', '42601')],
    ['a constraint violation', new SQLite.SqliteError('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE')],
    ['a corrupt database', new SQLite.SqliteError('file is not a database', 'SQLITE_NOTADB')],
    ['a query cancelled on purpose', withCode('canceling statement due to user request', '57014')],
    ['an abort reason', new DOMException('aborted', 'AbortError')],
  ])('leaves %s alone', (_what, err) => {
    expect(isTransient(err)).toBe(false);
    expect(mapDriverError(err)).toBe(err);
  });
});
