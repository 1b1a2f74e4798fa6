// Another revision of tapedeck, built for a side-by-side comparison (--baseline-rev REV): the
// files of REV from `git archive` (no worktree, nothing written into the repository), this
// repository's node_modules linked in, and REV's own build command (tsc) run with this
// repository's TypeScript. Its servers then start from its own bin/tapedeck, like this build's.
import { mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_DIR } from './servers.mjs';

let prepared;

/** The baseline of this run, once prepareBaseline has built it; undefined otherwise. */
export function baseline() {
  return prepared;
}

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options });
  if (r.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr || r.stdout}`,
    );
  }
  return r.stdout.trim();
}

/** The tsconfig that REV's `npm run build` compiles with (`tsc -p FILE`), else tsconfig.json. */
function buildProject(dir) {
  const script = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.build ?? '';
  const m = /\btsc\s+(?:-p|--project)\s+(\S+)/.exec(script);
  return join(dir, m ? m[1] : 'tsconfig.json');
}

/** Builds REV into `workDir/baseline-<commit>` and remembers it as this run's baseline. */
export function prepareBaseline(rev, workDir) {
  const commit = run('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: REPO_DIR });
  const short = commit.slice(0, 10);
  const dir = join(workDir, `baseline-${short}`);
  mkdirSync(dir, { recursive: true });
  const tar = join(workDir, `baseline-${short}.tar`);
  run('git', ['archive', '--format=tar', '-o', tar, commit], { cwd: REPO_DIR });
  run('tar', ['-xf', tar, '-C', dir]);
  symlinkSync(realpathSync(join(REPO_DIR, 'node_modules')), join(dir, 'node_modules'), 'dir');
  const tsc = join(REPO_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '-p', buildProject(dir)], { cwd: dir });
  prepared = { rev, commit, label: `${rev} (${short})`, dir, bin: join(dir, 'bin', 'tapedeck') };
  return prepared;
}
