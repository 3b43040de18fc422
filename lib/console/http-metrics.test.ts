import { describe, expect, it } from 'vitest';
import { routePattern } from './http-metrics';

describe('routePattern', () => {
  it('names the route as its folder does, never a value from the URL', () => {
    expect(routePattern('/api/registries')).toBe('/api/registries');
    expect(routePattern('/api/registries/test')).toBe('/api/registries/test');
    expect(routePattern('/api/registries/namespaces')).toBe('/api/registries/namespaces');
    expect(routePattern('/api/registries/default/jobs')).toBe('/api/registries/[rid]/jobs');
    expect(routePattern('/api/registries/prod/jobs/pay%2Froll/items/3/disable')).toBe('/api/registries/[rid]/jobs/[job]/items/[item]/disable');
    expect(routePattern('/api/registries/r/jobs/j/instances/10.0.0.1@-@77/shutdown')).toBe('/api/registries/[rid]/jobs/[job]/instances/[instanceId]/shutdown');
    expect(routePattern('/api/registries/r/servers/10.0.0.1/enable')).toBe('/api/registries/[rid]/servers/[ip]/enable');
    expect(routePattern('/api/users/alice')).toBe('/api/users/[name]');
    expect(routePattern('/api/registries/r/events')).toBe('/api/registries/[rid]/events');
  });
});
