// The peers that `node bench/run.mjs --peers` measures tapedeck against (installed by
// `npm ci --prefix bench/peers`, never by the root package).
export { mockoon } from './mockoon.mjs';
export { mountebank } from './mountebank.mjs';
export { prism } from './prism.mjs';
export { talkback } from './talkback.mjs';
export { wiremock } from './wiremock.mjs';
export { peersInstalled, peerVersion } from './common.mjs';
