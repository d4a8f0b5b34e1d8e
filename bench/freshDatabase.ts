/**
 * A PostgreSQL database of its own for a suite that hands a URL to the processes it starts, dropped afterwards; and
 * whether the server at TEST_DATABASE_URL answers at all (an unreachable one is a skip, never a failed bench).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_DATABASE_URL } from './database.ts';
import type { Skipped } from './database.ts';

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Undefined when PostgreSQL answers; else the skip to report in its place. */
export async function postgresSkipped(): Promise<Skipped | undefined> {
  try {
    await admin((client) => client.query('select 1'));
    return undefined;
  } catch (error) {
    return { skipped: `PostgreSQL unavailable: ${(error as Error).message}` };
  }
}

export async function withFreshPostgres<T>(use: (url: string) => Promise<T>): Promise<T> {
  const name = `switchyard_bench_${randomBytes(5).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  try {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    return await use(url.toString());
  } finally {
    await admin((client) => client.query(`drop database if exists ${name} with (force)`));
  }
}
