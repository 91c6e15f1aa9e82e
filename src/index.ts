// The `samsa` package: the broker and the client.
export { startBroker } from './broker/broker.js';
export type { StartBrokerOptions, RunningBroker } from './broker/broker.js';
export * from './client/index.js';
