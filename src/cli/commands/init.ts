import type { Command } from 'commander';
import { initProject } from '../../app/config/init.js';
import type { CliContext } from '../context.js';

export function registerInit(program: Command, cli: CliContext): void {
  program
    .command('init')
    .summary('write a commented tapedeck.config.json and the cassettes and rule folders')
    .option('--force', 'overwrite an existing tapedeck.config.json')
    .action((options: { force?: boolean }) => {
      const result = initProject(cli.cwd, options.force === true);
      for (const item of result.created) cli.io.stdout.write(`created ${item}\n`);
      for (const item of result.kept)
        cli.io.stdout.write(
          `kept    ${item} (exists${item.endsWith('.json') ? '; --force overwrites it' : ''})\n`,
        );
      cli.io.stdout.write('Next: tapedeck record --target https://staging.example.com\n');
    });
}
