// <tpm>: a TPM device with a passthrough, emulator (swtpm) or external backend; parse, format
// (libvirt 9.0's virDomainTPMDefFormat), post-parse defaults (qemuDomainTPMDefPostParse) and checks.
import type { Domain, Tpm } from './domain-types.js';
import type { XmlElement } from '../util/xml-reader.js';
import { el, type XmlChild, type XmlNode } from '../util/xml-writer.js';
import { formatDeviceInfo, parseDeviceInfo, type FormatOptions } from './domain-address-xml.js';
import { parseUuid } from '../util/uuid.js';
import { TsvirtError } from '../util/errors.js';

const MODELS = ['tpm-tis', 'tpm-crb', 'tpm-spapr', 'spapr-tpm-proxy'] as const;
/** libvirt keeps the banks as a bitmap: written in this order whatever the input order. */
const PCR_BANKS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;

export function parseTpm(x: XmlElement): Tpm {
  const model = x.enumAttr('model', MODELS);
  const b = x.child('backend');
  if (!b) throw x.error('missing TPM device backend');
  const type = b.reqEnumAttr('type', ['passthrough', 'emulator', 'external'] as const);
  const tpm: Tpm = { backend: { type } };
  if (model) tpm.model = model;
  const be = tpm.backend;
  if (type === 'passthrough') {
    be.devicePath = b.child('device')?.attr('path') ?? '/dev/tpm0';
  } else if (type === 'emulator') {
    const version = b.enumAttr('version', ['1.2', '2.0'] as const);
    if (version) be.version = version;
    const ps = b.boolAttr('persistent_state');
    if (ps) be.persistentState = true;
    const enc = b.child('encryption');
    if (enc) {
      const secret = enc.reqAttr('secret');
      const u = parseUuid(secret);
      if (!u) throw enc.error(`Unable to parse secret uuid '${secret}'`);
      be.encryptionSecret = u;
    }
    const banks = b.child('active_pcr_banks');
    if (banks) {
      const names = new Set(banks.allChildren().map((c) => {
        if (!(PCR_BANKS as readonly string[]).includes(c.name)) throw c.error(`Unsupported PCR banks '${c.name}'`);
        return c.name;
      }));
      be.activePcrBanks = PCR_BANKS.filter((n) => names.has(n));
    }
  } else {
    const src = b.child('source');
    if (!src) throw b.error("missing external TPM backend source");
    src.reqEnumAttr('type', ['unix'] as const);
    src.enumAttr('mode', ['connect'] as const);
    const path = src.attr('path');
    if (!path) throw src.error("missing socket path for external TPM backend");
    be.source = { type: 'unix', mode: 'connect', path };
  }
  parseDeviceInfo(x, tpm);
  return tpm;
}

export function formatTpm(t: Tpm, opts: FormatOptions): XmlNode {
  const be = t.backend;
  const body: XmlChild[] = be.type === 'passthrough'
    ? [el('device', { path: be.devicePath })]
    : be.type === 'emulator'
      ? [
          be.encryptionSecret !== undefined && el('encryption', { secret: be.encryptionSecret }),
          be.activePcrBanks && el('active_pcr_banks', {}, be.activePcrBanks.map((n) => el(n))),
        ]
      : [be.source && el('source', { type: 'unix', mode: 'connect', path: be.source.path })];
  return el('tpm', { model: t.model }, [
    el('backend', { type: be.type, version: be.version, persistent_state: be.persistentState ? 'yes' : undefined }, body),
    ...formatDeviceInfo(t, opts),
  ]);
}

/** Default model tpm-tis (x86), and the emulator's version: 2.0 for CRB, else 1.2 (qemuDomainTPMDefPostParse). */
export function tpmDefaults(dom: Domain): void {
  for (const t of dom.devices.tpms ?? []) {
    t.model ??= 'tpm-tis';
    if (t.backend.type === 'emulator') t.backend.version ??= t.model === 'tpm-crb' ? '2.0' : '1.2';
  }
}

/** libvirt's checks (qemuValidateDomainDeviceDefTPM, virDomainTPMDefValidate). */
export function validateTpms(dom: Domain): void {
  const list = dom.devices.tpms ?? [];
  const unsupported = (m: string) => new TsvirtError('config-unsupported', m);
  if (list.length > 2 || (list.length === 2 && !list.some((t) => t.model === 'spapr-tpm-proxy'))) {
    throw unsupported('only a single TPM non-proxy device is supported');
  }
  for (const t of list) {
    if (t.model === 'tpm-spapr' || t.model === 'spapr-tpm-proxy') throw unsupported(`TPM model '${t.model}' is only available for PPC64 guests`);
    if (t.backend.type === 'emulator') {
      if (t.model === 'tpm-crb' && t.backend.version === '1.2') throw unsupported('TPM version 1.2 is not supported with the tpm-crb model');
      if (t.backend.activePcrBanks && t.backend.version !== '2.0') throw unsupported('Activation of PCR banks is only supported for TPM 2.0');
      if (t.backend.version === '1.2' && t.backend.encryptionSecret) throw unsupported('TPM 1.2 does not support state encryption');
    }
  }
}
