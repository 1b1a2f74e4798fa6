import type { Command } from 'commander';
import { initProject, PACKAGE_NAME } from '../../app/config/init.js';
import type { CliContext } from '../context.js';

export function registerInit(program: Command, cli: CliContext): void {
  program
    .command('init')
    .summary('write a commented tapedeck.config.json and the cassettes and rule folders')
    .description(
      'Set up tapedeck in the current folder: a commented tapedeck.config.json (every setting with ' +
        'its default, checked against schemas/config.schema.json), an empty cassettes/ folder to ' +
        'commit, a redaction-rules/ folder starting from the shipped default rules, and .tapedeck/ (runtime state ' +
        'and the local redaction key) added to .gitignore. Files that exist are kept unless --force.',
    )
    .option('--force', 'overwrite an existing tapedeck.config.json')
    .action((options: { force?: boolean }) => {
      const result = initProject(cli.cwd, options.force === true);
      for (const item of result.created) cli.io.stdout.write(`created ${item}\n`);
      for (const item of result.kept)
        cli.io.stdout.write(
          `kept    ${item} (exists${item.endsWith('.json') ? '; --force overwrites it' : ''})\n`,
        );
      // npx finds the `tapedeck` bin of a local dev dependency; without one it would fetch the
      // unrelated npm package called tapedeck.
      if (!result.installed)
        cli.io.stdout.write(
          `Next: npm install --save-dev ${PACKAGE_NAME}   # the package; the command is tapedeck\n`,
        );
      cli.io.stdout.write(
        `${result.installed ? 'Next:' : 'Then:'} npx tapedeck record --target https://staging.example.com\n`,
      );
    });
}
