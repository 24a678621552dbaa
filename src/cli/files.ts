// Reading the XML files that define/create take, with virsh's message on failure.
import { readFile } from 'node:fs/promises';
import { CliError } from './types.js';
import { decodeXmlBytes } from '../protocol/xml-input.js';
import { strerror, type XmlError } from '../protocol/errors.js';


/** The file's text, decoded as libxml2 would (its encoding declaration or BOM; no invalid bytes). */
export async function readXmlFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file === '-' ? '/dev/stdin' : file);
  } catch (e) {
    throw new CliError(`Failed to open file '${file}': ${strerror(e as NodeJS.ErrnoException)}`);
  }
  try {
    return decodeXmlBytes(bytes);
  } catch (e) {
    throw new CliError(`${file}:${(e as XmlError).line ?? 1}: ${(e as Error).message}`);
  }
}
