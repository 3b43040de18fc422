/** The two wire formats ElasticJob has used; everything flavour-specific keys off this. */
export type Flavour = '2.x-json' | '3.x-yaml';

export const FLAVOURS: readonly Flavour[] = ['2.x-json', '3.x-yaml'];

/**
 * docs/protocol.md §2: a config starting with `{` (after whitespace) is 2.x JSON, anything else 3.x YAML.
 * A YAML flow mapping would also start with `{`, but ElasticJob 3.x never writes one.
 */
export function detectFlavour(configText: string): Flavour {
  return configText.trimStart().startsWith('{') ? '2.x-json' : '3.x-yaml';
}
