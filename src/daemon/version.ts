// One place for the version tsvirt reports (virsh version, the API, the OpenAPI document).
export const TSVIRT_VERSION = '0.1.0';
/** the libvirt release whose XML and commands tsvirt follows */
export const LIBVIRT_COMPAT = '9.0.0';
