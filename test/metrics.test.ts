/**
 * `GET /api/metrics` (issue 16): Prometheus text that an independent parser reads, whose figures equal
 * the tree's (read here straight from ZooKeeper), with counters that count what happens after the load
 * only; a bearer token or a signed-in user, nothing for anyone else.
 */
import { basicFor } from './auth-support';
import { randomUUID } from 'node:crypto';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, inject, it } from 'vitest';
import * as metricsRoute from '@/app/api/metrics/route';
import * as jobsRoute from '@/app/api/registries/[rid]/jobs/route';
import { callRoute } from './console-operations-support';
import { jobList, registerRegistry, unregisterRegistry } from '@/lib/console';
import { cleanup, connect, waitFor } from './zk-context';

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}

async function scrape(headers: Record<string, string>, url = 'http://console.test/api/metrics'): Promise<{ status: number; text: string }> {
  const response = await metricsRoute.GET(new Request(url, { headers }), {});
  return { status: response.status, text: await response.text() };
}

/** The value of `name` for `labels` (every other label free), from the parsed families. */
function value(families: Family[], name: string, labels: Record<string, string>): number | undefined {
  const family = families.find((f) => f.name === name);
  const metric = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return metric?.value === undefined ? undefined : Number(metric.value);
}

afterEach(() => {
  delete process.env.SHARDKEEPER_METRICS_TOKEN;
});

describe('GET /api/metrics', () => {
  it('answers what the tree holds, counts failovers and reshards seen after the load, and only to the entitled', async () => {
    const zk = await connect();
    const workers = await connect();
    const ns = `metrics-${randomUUID().slice(0, 8)}`;
    const config = (job: string, total: number) => JSON.stringify({ jobName: job, cron: '0 0 1 * * ?', shardingTotalCount: total, jobClass: 'demo.X' });
    // Job m-a: two instances online, one of its two servers disabled; item 0 running, 1 taken over, 2
    // disabled, 3 without owner. Job m-b: no instance, two items never owned.
    await zk.mkdirp(`/${ns}/m-a/instances`);
    await zk.create(`/${ns}/m-a/config`, config('m-a', 4));
    await zk.mkdirp(`/${ns}/m-a/servers`);
    await zk.create(`/${ns}/m-a/servers/10.0.0.1`, '');
    await zk.create(`/${ns}/m-a/servers/10.0.0.2`, 'DISABLED');
    await workers.create(`/${ns}/m-a/instances/10.0.0.1@-@1`, '', 'ephemeral');
    await workers.create(`/${ns}/m-a/instances/10.0.0.2@-@2`, '', 'ephemeral');
    const owners = ['10.0.0.1@-@1', '10.0.0.1@-@1', '10.0.0.2@-@2', ''];
    for (const [item, owner] of owners.entries()) {
      await zk.mkdirp(`/${ns}/m-a/sharding/${item}`);
      await zk.create(`/${ns}/m-a/sharding/${item}/instance`, owner);
    }
    await workers.create(`/${ns}/m-a/sharding/0/running`, '', 'ephemeral');
    await zk.create(`/${ns}/m-a/sharding/1/failover`, '10.0.0.2@-@2');
    await zk.create(`/${ns}/m-a/sharding/2/disabled`, '');
    await zk.mkdirp(`/${ns}/m-b/sharding/0`);
    await zk.mkdirp(`/${ns}/m-b/sharding/1`);
    await zk.create(`/${ns}/m-b/config`, config('m-b', 2));
    cleanup(async () => {
      await workers.close();
      await zk.removeRecursive(`/${ns}`).catch(() => undefined);
      await zk.close();
    });
    const rid = `metrics-${randomUUID().slice(0, 8)}`;
    const registry = registerRegistry({ id: rid, name: ns, connectString: inject('zkConnect'), namespace: ns });
    cleanup(() => unregisterRegistry(rid));
    expect(await registry.whenLoaded(10_000)).toBe(true);

    const answer = await scrape(basicFor('viewer'));
    expect(answer.status).toBe(200);
    const families = parsePrometheusTextFormat(answer.text) as Family[];
    const of = (name: string, labels: Record<string, string> = {}) => value(families, name, { registry: rid, ...labels });

    // Jobs by status: what the console's own list says.
    const list = await jobList(rid);
    for (const status of ['OK', 'CRASHED', 'DISABLED', 'SHARDING_FLAG']) {
      expect(of('shardkeeper_jobs', { status }), status).toBe(list.jobs.filter((j) => j.status === status).length);
    }
    // Items: counted here from ZooKeeper itself.
    let total = 0;
    const found = { running: 0, failover: 0, disabled: 0, unowned: 0 };
    for (const job of ['m-a', 'm-b']) {
      const online = new Set((await zk.getChildren(`/${ns}/${job}/instances`).catch(() => ({ children: [] as string[] }))).children);
      for (const item of (await zk.getChildren(`/${ns}/${job}/sharding`)).children) {
        const base = `/${ns}/${job}/sharding/${item}`;
        total += 1;
        for (const kind of ['running', 'failover', 'disabled'] as const) if (await zk.exists(`${base}/${kind}`)) found[kind] += 1;
        const owner = (await zk.exists(`${base}/instance`)) ? (await zk.getData(`${base}/instance`)).data.toString('utf8') : '';
        if (owner === '' || !online.has(owner)) found.unowned += 1;
      }
    }
    expect({ total, ...found }).toEqual({ total: 6, running: 1, failover: 1, disabled: 1, unowned: 3 });
    for (const [state, n] of Object.entries({ total, ...found })) expect(of('shardkeeper_items', { state }), state).toBe(n);
    expect(of('shardkeeper_instances')).toBe(2);
    expect(of('shardkeeper_servers')).toBe(2);
    expect(of('shardkeeper_servers_disabled')).toBe(1);
    expect(of('shardkeeper_registry_loaded')).toBe(1);
    expect(of('shardkeeper_registry_state', { state: 'connected' })).toBe(1);
    expect(of('shardkeeper_registry_nodes')).toBe(registry.snapshot.size);
    // What existed at load is state, not activity.
    expect(of('shardkeeper_failovers_total')).toBe(0);
    expect(of('shardkeeper_reshards_total')).toBe(0);

    // A survivor takes item 3, and a leader begins a reshard: each counted once.
    await zk.create(`/${ns}/m-a/sharding/3/failover`, '10.0.0.1@-@1');
    await zk.mkdirp(`/${ns}/m-a/leader/sharding`);
    await zk.create(`/${ns}/m-a/leader/sharding/processing`, '', 'ephemeral');
    await waitFor(
      async () => {
        const now = parsePrometheusTextFormat((await scrape(basicFor('viewer'))).text) as Family[];
        return value(now, 'shardkeeper_failovers_total', { registry: rid }) === 1 && value(now, 'shardkeeper_reshards_total', { registry: rid }) === 1;
      },
      10_000,
      'one failover and one reshard counted',
    );

    // API requests are timed by route pattern, never by the values in their URL.
    const listed = await callRoute(jobsRoute.GET, { rid }, undefined, 'GET', { url: `http://console.test/api/registries/${rid}/jobs` });
    expect(listed.status).toBe(200);
    const timedText = (await scrape(basicFor('viewer'))).text;
    const durations = (parsePrometheusTextFormat(timedText) as Family[]).find((f) => f.name === 'shardkeeper_http_request_duration_seconds');
    expect(durations?.type).toBe('HISTOGRAM');
    // The parser keeps no labels on histogram series: those are read from the text.
    const counts = timedText.split('\n').filter((l) => l.startsWith('shardkeeper_http_request_duration_seconds_count{'));
    expect(counts.some((l) => l.includes('route="/api/registries/[rid]/jobs"') && l.includes('method="GET"') && l.includes('status="200"'))).toBe(true);
    expect(counts.join('\n')).not.toContain(rid);

    // Nobody else: no credentials, a bearer token while none is configured, a wrong one; parameters refused.
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer guess' })).status).toBe(401);
    process.env.SHARDKEEPER_METRICS_TOKEN = 'scrape-token-1234567890';
    expect((await scrape({ authorization: 'Bearer guess' })).status).toBe(401);
    const byToken = await scrape({ authorization: 'Bearer scrape-token-1234567890' });
    expect(byToken.status).toBe(200);
    expect(byToken.text).toContain(`shardkeeper_items{registry="${rid}",state="total"} 6`);
    expect((await scrape(basicFor('viewer'), 'http://console.test/api/metrics?x=1')).status).toBe(400);
  });
});
