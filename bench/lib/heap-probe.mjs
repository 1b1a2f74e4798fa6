// Loaded into a server under soak with `node --import`: every second, the process's memory
// (process.memoryUsage(): rss, heapUsed, heapTotal, external, arrayBuffers) is written as one
// JSON object to the file named by SOAK_PROBE_FILE (temp file + rename, so a reader never sees
// half of it). The timer is unref'd: it never keeps the server alive. Benchmark-only.
import { renameSync, writeFileSync } from 'node:fs';
import { setInterval } from 'node:timers';

const file = process.env.SOAK_PROBE_FILE;
if (file) {
  const write = () => {
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }));
      renameSync(`${file}.tmp`, file);
    } catch {
      // The soak reads the last good sample; a failed write only makes it one second older.
    }
  };
  write();
  setInterval(write, 1_000).unref();
}
