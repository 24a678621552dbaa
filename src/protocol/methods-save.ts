// Save / restore / managed save (virsh save, restore, save-image-*, managedsave*) and the
// domain's long job (virsh domjobinfo, domjobabort). A save image is libvirt's format, so
// an image written here restores on another tsvirtd (and the other way round).
import * as z from './schema.js';
import type { MethodDef } from './methods.js';
import { DomainRefSchema, DomainSummarySchema } from './types.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

const Dom = z.object({ domain: DomainRefSchema });
const Empty = z.object({});
const State = {
  running: z.boolean().optional().describe('restore leaves the guest running'),
  paused: z.boolean().optional().describe('restore leaves the guest paused'),
};
const Bandwidth = z.number().int().optional().describe('MiB/s cap of the stream into the file (tsvirt extension; default: full speed)');
const Xml = z.string().describe('domain XML to store instead (same name and uuid)');

/** a typed parameter of a job, by libvirt's name (operation, time_elapsed, data_processed, ...) */
export const JobParamSchema = z.object({ field: z.string(), value: z.union([z.number(), z.string()]) });

export const saveMethods = {
  'domain.save': method({
    params: Dom.extend({ file: z.string().min(1), xml: Xml.optional(), bandwidth: Bandwidth, ...State }), result: Empty, readonly: false,
    summary: 'save the running domain\'s memory to a file and stop it (virsh save)',
  }),
  'domain.restore': method({
    params: z.object({ file: z.string().min(1), xml: Xml.optional(), ...State }), result: DomainSummarySchema, readonly: false,
    summary: 'start a domain from a save image (virsh restore)',
  }),
  'domain.saveImageGetXml': method({
    params: z.object({ file: z.string().min(1), secure: z.boolean().optional() }), result: z.object({ xml: z.string() }), readonly: false,
    summary: 'the domain XML inside a save image (virsh save-image-dumpxml)',
  }),
  'domain.saveImageDefine': method({
    params: z.object({ file: z.string().min(1), xml: Xml, ...State }), result: Empty, readonly: false,
    summary: 'replace the domain XML inside a save image (virsh save-image-define)',
  }),
  'domain.managedSave': method({
    params: Dom.extend({ bandwidth: Bandwidth, ...State }), result: Empty, readonly: false,
    summary: 'save the domain to its managed save image; the next start resumes from it (virsh managedsave)',
  }),
  'domain.hasManagedSave': method({
    params: Dom, result: z.object({ result: z.boolean() }), readonly: true,
    summary: 'whether the domain has a managed save image',
  }),
  'domain.managedSaveRemove': method({
    params: Dom, result: Empty, readonly: false,
    summary: 'remove the managed save image (virsh managedsave-remove)',
  }),
  'domain.managedSaveGetXml': method({
    params: Dom.extend({ secure: z.boolean().optional() }), result: z.object({ xml: z.string() }), readonly: false,
    summary: 'the domain XML inside the managed save image (virsh managedsave-dumpxml)',
  }),
  'domain.managedSaveDefine': method({
    params: Dom.extend({ xml: Xml, ...State }), result: Empty, readonly: false,
    summary: 'replace the domain XML inside the managed save image (virsh managedsave-define)',
  }),
  'domain.jobStats': method({
    params: Dom.extend({
      completed: z.boolean().optional().describe('the last job that ended instead of the one running'),
      keepCompleted: z.boolean().optional().describe('with completed: keep it for the next call'),
    }),
    result: z.object({
      type: z.enum(['none', 'bounded', 'unbounded', 'completed', 'failed', 'cancelled']),
      params: z.array(JobParamSchema),
    }),
    readonly: true,
    summary: 'the domain\'s long job (save, restore, migration, snapshot...) under libvirt\'s typed-parameter names (virsh domjobinfo)',
  }),
  'domain.abortJob': method({
    params: Dom, result: Empty, readonly: false,
    summary: 'abort the domain\'s long job (virsh domjobabort)',
  }),
};
