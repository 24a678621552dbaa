// Access to the conf layer's domain XML parser. Loaded lazily: it pulls in the XML DOM,
// which most commands (and CLI startup) do not need.
import type { Domain } from '../conf/domain-types.js';
import { CliError } from './types.js';

type Parse = (xml: string) => Domain;
let parser: Promise<Parse | null> | undefined;

// A variable specifier so this file type-checks before src/conf/domain-xml.ts lands.
const MODULE = '../conf/domain-xml.js';

export function loadParser(): Promise<Parse | null> {
  parser ??= import(MODULE).then(
    (m: { parseDomainXml?: Parse }) => m.parseDomainXml ?? null,
    () => null,
  );
  return parser;
}

/** Parses domain XML (as domain.getXml returns it) into the typed model. */
export async function parseDomain(xml: string): Promise<Domain> {
  const parse = await loadParser();
  if (!parse) throw new CliError('the domain XML parser (src/conf/domain-xml.ts) is not available');
  return parse(xml);
}

/** Local check before sending XML to the daemon; a no-op while the parser is missing. */
export async function checkDomainXml(xml: string): Promise<void> {
  const parse = await loadParser();
  if (parse) parse(xml);
}
