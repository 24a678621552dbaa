// The API takes XML as text; a client reading a file turns its bytes into text as libxml2
// (and so libvirt) reads them. Re-exported so clients need not reach into util.
export { decodeXmlBytes } from '../util/xml-bytes.js';
