/** The browser's API client: components import from here and never call the network themselves. */
export { ApiError, getJson, sendJson, type WriteMethod } from './client';
export * from './queries';
export { refreshAfterWrite, type WriteScope } from './refresh';
export { queryKeys, urls } from './routes';
