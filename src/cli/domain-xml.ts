// Access to the conf layer's domain XML model. Loaded lazily: it pulls in the XML DOM,
// which most commands (and CLI startup) do not need.
import type { Domain } from '../conf/domain-types.js';

type DomainXml = typeof import('../conf/domain-xml.js');
let mod: Promise<DomainXml> | undefined;

function load(): Promise<DomainXml> {
  mod ??= import('../conf/domain-xml.js');
  return mod;
}

/** Parses domain XML (as domain.getXml returns it) into the typed model. */
export async function parseDomain(xml: string): Promise<Domain> {
  return (await load()).parseDomainXml(xml);
}

/** The local check before XML goes to the daemon (define --validate, edit): parse, defaults, validate. */
export async function checkDomainXml(xml: string): Promise<void> {
  (await load()).parseAndPrepareDomain(xml);
}
