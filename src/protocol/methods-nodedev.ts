// Node device API methods (virsh nodedev-*): PCI devices and network interfaces of the
// host, SR-IOV virtual functions, and binding devices to vfio-pci for guests.
import * as z from './schema.js';
import type { MethodDef } from './methods.js';

// local twin of methods.ts's method(): importing the value would make an import cycle
const method = <P extends z.ZodType, R extends z.ZodType>(d: MethodDef<P, R>): MethodDef<P, R> => d;

export const NodedevSummarySchema = z.object({
  name: z.string(),
  parent: z.string().optional(),
  /** 'system', 'pci', 'net' */
  caps: z.array(z.string()),
  /** PCI devices: full address 0000:03:00.1, class code, its pci.ids class name, driver */
  address: z.string().optional(),
  classCode: z.number().optional(),
  className: z.string().optional(),
  driver: z.string().optional(),
  vendor: z.string().optional(),
  product: z.string().optional(),
  /** IOMMU group number and whether the device could go to a guest now (every other member on vfio-pci or no driver) */
  iommuGroup: z.number().optional(),
  groupViable: z.boolean().optional(),
  /** the other members of its IOMMU group that are bound to a host driver */
  groupBlockers: z.array(z.object({ address: z.string(), driver: z.string().optional() })).optional(),
  /** bridges cannot go to a guest */
  bridge: z.boolean().optional(),
  /** SR-IOV physical function: VFs possible and present */
  totalVfs: z.number().optional(),
  numVfs: z.number().optional(),
  /** SR-IOV virtual function: its PF's address */
  physfn: z.string().optional(),
  /** the running domain that has the device */
  usedBy: z.string().optional(),
});
export type NodedevSummary = z.infer<typeof NodedevSummarySchema>;

const Empty = z.object({});
const Dev = z.object({ name: z.string().describe('node device name (pci_0000_03_00_1) or PCI address (0000:03:00.1)') });

export const nodedevMethods = {
  'nodedev.list': method({
    params: z.object({
      cap: z.string().optional().describe('only devices with this capability: system, pci, net'),
      class: z.string().optional().describe("PCI class: a pci.ids class name part ('ethernet') or a hex class code prefix ('0x0200')"),
    }),
    result: z.object({ devices: z.array(NodedevSummarySchema) }), readonly: true,
    summary: 'host devices (virsh nodedev-list)',
  }),
  'nodedev.getXml': method({ params: Dev, result: z.object({ xml: z.string() }), readonly: true, summary: 'node device XML (virsh nodedev-dumpxml)' }),
  'nodedev.detach': method({
    params: Dev, result: z.object({ address: z.string(), originalDriver: z.string().optional() }), readonly: false,
    summary: 'bind a PCI device to vfio-pci for guests (virsh nodedev-detach)',
  }),
  'nodedev.reattach': method({ params: Dev, result: Empty, readonly: false, summary: 'give a detached PCI device back to its host driver (virsh nodedev-reattach)' }),
  'nodedev.reset': method({ params: Dev, result: Empty, readonly: false, summary: 'reset a PCI device (virsh nodedev-reset)' }),
  'nodedev.setSriov': method({
    params: Dev.extend({
      numVfs: z.number().int().nonnegative(),
      persistent: z.boolean().optional().describe('tsvirtd sets this count again at every start'),
    }),
    result: z.object({ pf: z.string(), vfs: z.array(z.string()) }), readonly: false,
    summary: 'set the number of SR-IOV virtual functions of a PF; returns their addresses',
  }),
};
