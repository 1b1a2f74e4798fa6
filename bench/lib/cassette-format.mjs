// The cassette format as the benchmarks write it, from tapedeck's own dist modules (the public
// index, dist/index.js, exports use-case entry points, not these internals).
export { CASSETTE_VERSION } from '../../dist/core/cassette/model.js';
export { parseCassette, serializeCassette } from '../../dist/core/cassette/codec.js';
