// Reading the XML files that define/create take, with virsh's message on failure.
import { readFile } from 'node:fs/promises';
import { CliError } from './types.js';

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory', ELOOP: 'Too many levels of symbolic links', EPERM: 'Operation not permitted',
};

export function strerror(e: NodeJS.ErrnoException): string {
  return (e.code && STRERROR[e.code]) || e.message;
}

export async function readXmlFile(file: string): Promise<string> {
  try {
    return await readFile(file === '-' ? '/dev/stdin' : file, 'utf8');
  } catch (e) {
    throw new CliError(`Failed to open file '${file}': ${strerror(e as NodeJS.ErrnoException)}`);
  }
}
