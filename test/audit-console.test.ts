/**
 * Console-level audit (issue 12 item 9): user and registry administration and failed logins are audited
 * in /shardkeeper-console/console-audit on the default registry's ensemble, the entry written BEFORE the
 * change; when it cannot be written the change is refused (503 AUDIT_UNAVAILABLE) and nothing changes.
 * Failed logins are batched (a flood is one write) and never turn into anything but a failed login.
 * Passwords and digests are never stored.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { basicFor, USERS } from './auth-support';
import { basicAuth, callRoute, callRouteWithHeaders, errorOf } from './console-operations-support';
import { cleanup, connect } from './zk-context';
import * as auditRoute from '@/app/api/audit/route';
import * as loginRoute from '@/app/api/auth/login/route';
import * as registriesRoute from '@/app/api/registries/route';
import * as registryRoute from '@/app/api/registries/[rid]/route';
import * as usersRoute from '@/app/api/users/route';
import * as userRoute from '@/app/api/users/[name]/route';
import { listRegistries } from '@/lib/console';
import { CONSOLE_AUDIT_DIR, flushFailedLogins, type StoredAuditEntry } from '@/lib/console/audit';
import { listUsers, resetLoginLimiters } from '@/lib/console/auth';
import { NoNodeError, type ZkClient } from '@/lib/zk';

const admin = { anonymous: true, headers: basicFor('admin') };

/** Console entries as stored: name → raw text, oldest first. */
async function consoleEntries(client: ZkClient): Promise<{ name: string; text: string; entry: StoredAuditEntry }[]> {
  let names: string[];
  try {
    names = (await client.getChildren(CONSOLE_AUDIT_DIR)).children.sort();
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
  const out = [];
  for (const name of names) {
    const text = (await client.getData(`${CONSOLE_AUDIT_DIR}/${name}`)).data.toString('utf8');
    out.push({ name, text, entry: JSON.parse(text) as StoredAuditEntry });
  }
  return out;
}

async function newEntries(client: ZkClient, since: number): Promise<{ text: string; entry: StoredAuditEntry }[]> {
  return (await consoleEntries(client)).slice(since);
}

describe('administration is audited before it is made', () => {
  it('users and registries: one entry each, by the admin, never a password or digest; readable by admins only', async () => {
    const zk = await connect();
    const start = (await consoleEntries(zk)).length;
    const name = `u${randomUUID().slice(0, 8)}`;
    const password = 'a-secret-password-1';
    expect((await callRoute(usersRoute.POST, {}, { name, role: 'viewer', password }, 'POST', admin)).status).toBe(200);
    expect((await callRoute(userRoute.PATCH, { name }, { role: 'operator', password: 'another-secret-2' }, 'PATCH', admin)).status).toBe(200);
    expect((await callRoute(userRoute.DELETE, { name }, undefined, 'DELETE', admin)).status).toBe(200);
    const rid = `r${randomUUID().slice(0, 8)}`;
    const digest = 'someone:digest-secret-3';
    expect((await callRoute(registriesRoute.POST, {}, { id: rid, connectString: inject('zkConnect'), namespace: 'audited', digest }, 'POST', admin)).status).toBe(200);
    expect((await callRoute(registryRoute.PUT, { rid }, { name: 'Renamed', digest: null }, 'PUT', admin)).status).toBe(200);
    expect((await callRoute(registryRoute.DELETE, { rid }, undefined, 'DELETE', admin)).status).toBe(200);

    const got = await newEntries(zk, start);
    expect(got.map((e) => e.entry.operation)).toEqual(['user.create', 'user.update', 'user.delete', 'registry.add', 'registry.update', 'registry.remove']);
    for (const { text, entry } of got) {
      expect(entry.user).toBe(USERS.admin.user);
      expect(text).not.toContain(password);
      expect(text).not.toContain('another-secret-2');
      expect(text).not.toContain('digest-secret-3');
    }
    expect(got[0]?.entry).toMatchObject({ paths: [`users/${name}`], before: { [`users/${name}`]: null }, after: { [`users/${name}`]: '{"role":"viewer"}' } });
    expect(got[1]?.entry).toMatchObject({ after: { [`users/${name}`]: '{"role":"operator"}' }, remarks: ['password changed (not recorded)'] });
    expect(got[3]?.entry.after[`registries/${rid}`]).toContain('"digest":"set"');
    expect(got[4]?.entry).toMatchObject({ registry: rid, remarks: ['digest removed'] });

    // GET /api/audit?scope=console: admins only, newest first.
    const asAdmin = await callRoute(auditRoute.GET, {}, undefined, 'GET', { ...admin, url: 'http://console.test/api/audit?scope=console&limit=6' });
    expect(asAdmin.status).toBe(200);
    expect((asAdmin.json.entries as StoredAuditEntry[]).map((e) => e.operation)).toEqual(['registry.remove', 'registry.update', 'registry.add', 'user.delete', 'user.update', 'user.create']);
    const asViewer = await callRoute(auditRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: basicFor('viewer'), url: 'http://console.test/api/audit?scope=console' });
    expect(asViewer.status).toBe(403);
  });

  it('when the console audit log cannot be written (no permission): 503 AUDIT_UNAVAILABLE and nothing changes; failed logins stay 401', async () => {
    const zk = await connect();
    // Lock the console audit dir: owned by another digest, no create for the console.
    await zk.removeRecursive(CONSOLE_AUDIT_DIR);
    await zk.mkdirp(CONSOLE_AUDIT_DIR.slice(0, CONSOLE_AUDIT_DIR.lastIndexOf('/')));
    const owner = await connect({ digest: 'auditor:locked-out' });
    await owner.create(CONSOLE_AUDIT_DIR, '');
    cleanup(() => owner.remove(CONSOLE_AUDIT_DIR).catch(() => undefined));

    const name = `u${randomUUID().slice(0, 8)}`;
    const usersBefore = await listUsers();
    const registriesBefore = listRegistries().map((r) => r.id);
    const created = await callRoute(usersRoute.POST, {}, { name, role: 'viewer', password: 'whatever-password-1' }, 'POST', admin);
    expect(created.status, JSON.stringify(created.json)).toBe(503);
    expect(errorOf(created)).toEqual({ code: 'AUDIT_UNAVAILABLE', message: expect.stringMatching(/^the change was not made: its audit entry could not be written/) });
    const demoted = await callRoute(userRoute.PATCH, { name: USERS.viewer.user }, { role: 'admin' }, 'PATCH', admin);
    expect(demoted.status).toBe(503);
    const removed = await callRoute(userRoute.DELETE, { name: USERS.viewer.user }, undefined, 'DELETE', admin);
    expect(removed.status).toBe(503);
    const added = await callRoute(registriesRoute.POST, {}, { id: `r${randomUUID().slice(0, 8)}`, connectString: inject('zkConnect'), namespace: 'x' }, 'POST', admin);
    expect(added.status).toBe(503);
    expect(await listUsers()).toEqual(usersBefore);
    expect(listRegistries().map((r) => r.id)).toEqual(registriesBefore);

    resetLoginLimiters();
    const failed = await callRouteWithHeaders(loginRoute.POST, {}, { user: USERS.viewer.user, password: 'wrong-password' }, 'POST', {
      anonymous: true,
      headers: { origin: 'http://console.test' },
    });
    expect(failed.status).toBe(401);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      await flushFailedLogins();
    } finally {
      console.error = original;
    }
    // Logged instead (the server log keeps it), and the right password still works.
    expect(errors).toHaveLength(1);
    const ok = await callRouteWithHeaders(loginRoute.POST, {}, { user: USERS.viewer.user, password: USERS.viewer.password }, 'POST', {
      anonymous: true,
      headers: { origin: 'http://console.test' },
    });
    expect(ok.status).toBe(200);
    expect((await owner.getChildren(CONSOLE_AUDIT_DIR)).children).toEqual([]);
  });
});

describe('failed logins', () => {
  it('are audited in batches: a flood of failures is one ZooKeeper write, with counts, never the password', async () => {
    const zk = await connect();
    await flushFailedLogins();
    const start = (await consoleEntries(zk)).length;
    resetLoginLimiters();
    const password = 'the-wrong-password-xyz';
    const names = Array.from({ length: 20 }, (_, i) => `nobody-${i}`);
    for (const user of [...names, USERS.operator.user, USERS.operator.user]) {
      const answer = await callRouteWithHeaders(loginRoute.POST, {}, { user, password }, 'POST', { anonymous: true, headers: { origin: 'http://console.test' } });
      expect(answer.status).toBe(401);
    }
    // Nothing written per attempt: the batch goes out at most every FAILED_LOGIN_FLUSH_MS (or now, here).
    await flushFailedLogins();
    const got = await newEntries(zk, start);
    expect(got).toHaveLength(1);
    const entry = got[0]?.entry;
    expect(entry).toMatchObject({ operation: 'login.failed', user: null, registry: null, remarks: ['22 failed login(s)'] });
    expect(entry?.paths).toHaveLength(21);
    const mine = JSON.parse(entry?.after[`logins/${USERS.operator.user}`] ?? '[]') as { failures: number }[];
    expect(mine.reduce((n, x) => n + x.failures, 0)).toBe(2);
    expect(got[0]?.text).not.toContain(password);
    resetLoginLimiters();
  });

  it('a wrong HTTP Basic password on an API route is a failed login too, audited without the password', async () => {
    const zk = await connect();
    await flushFailedLogins();
    const start = (await consoleEntries(zk)).length;
    resetLoginLimiters();
    const password = 'basic-wrong-password-xyz';
    const answer = await callRoute(auditRoute.GET, {}, undefined, 'GET', { anonymous: true, headers: { authorization: basicAuth(USERS.viewer.user, password) } });
    expect(answer.status).toBe(401);
    await flushFailedLogins();
    const got = await newEntries(zk, start);
    expect(got).toHaveLength(1);
    expect(got[0]?.entry).toMatchObject({ operation: 'login.failed', remarks: ['1 failed login(s)'] });
    expect(Object.keys(got[0]?.entry.after ?? {})).toEqual([`logins/${USERS.viewer.user}`]);
    expect(got[0]?.text).not.toContain(password);
    resetLoginLimiters();
  });
});
