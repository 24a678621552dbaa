// HTTP paths of the API on the daemon's socket, apart from the API schemas so light
// clients (the CLI) can load them without the schemas.
export const API_PREFIX = '/v1/';
export const EVENTS_PATH = '/v1/events';
/** WebSocket: ?domain=NAME&dev=serial0 attaches to a character device (virsh console). */
export const CONSOLE_PATH = '/v1/console';
/** Close code of a console (or VNC) WebSocket refused or ended with an error; the reason is the message. */
export const CONSOLE_ERROR_CLOSE = 4000;
export const OPENAPI_PATH = '/v1/openapi.json';
/** Prometheus' text format of the domains' statistics and the daemon's counters (GET) */
export const METRICS_PATH = '/metrics';
/** Volume upload (PUT) and download (GET) byte streams: see methods-storage.ts. */
export const VOLUME_STREAM_PATH = '/v1/stream/volume';
