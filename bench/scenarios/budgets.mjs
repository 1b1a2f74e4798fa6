// Scenario 7: the time budgets that unit tests used to assert (bench/budgets.mjs says which),
// measured in a process of their own on the server core, each against the bound the test had.
import { join } from 'node:path';
import { addRow, fmt, log, printSection, raw, S, SERVER_CORE } from '../lib/harness.mjs';
import { runJson } from '../lib/proc.mjs';
import { BENCH_DIR } from '../lib/servers.mjs';

/** key of bench/budgets.mjs's output, scenario, metric, budget (ms), where the case is tested. */
const BUDGETS = [
  ['compile3000Ms', 'mock: a spec of 3,000 operations', 'compile', 2000, 'mock-routing.test.ts'],
  [
    'route10kMs',
    'mock: a spec of 3,000 operations',
    '10,000 route lookups',
    1000,
    'mock-routing.test.ts',
  ],
  [
    'convert300Ms',
    'mock: 300 interlinked schemas',
    'convert to JSON Schema',
    5000,
    'mock/large-spec.test.ts',
  ],
  [
    'generatePerValueMs',
    'mock: 300 interlinked schemas',
    'generate, per value',
    50,
    'mock/large-spec.test.ts',
  ],
  [
    'generateTypicalMedianMs',
    'mock: a typical 25-field response',
    'generate (median of 200)',
    1,
    'mock/generate.test.ts',
  ],
  [
    'branchingRecursionMs',
    'mock: a required recursion that branches',
    'stopped with an issue',
    10_000,
    'mock/generate.test.ts',
  ],
  [
    'graphqlRefuseDeepMs',
    'graphql: 100 × 100 × 100 nested lists',
    'refused before executing',
    1000,
    'graphql-http.test.ts',
  ],
  [
    'graphqlFanOutEstimateMs',
    'graphql: fragment fan-out over empty pages',
    'size estimate',
    2000,
    'graphql-http.test.ts',
  ],
];

export async function scenarioBudgets() {
  const section = 'budgets';
  const perRep = [];
  for (let rep = 0; rep < S.reps; rep++) {
    perRep.push(
      await runJson({ name: 'budgets', core: SERVER_CORE, args: [join(BENCH_DIR, 'budgets.mjs')] }),
    );
    log(`  budgets rep ${rep + 1}/${S.reps}: ${JSON.stringify(perRep.at(-1))}`);
  }
  raw.scenarios.budgets = perRep;
  for (const [key, scenario, metric, budget, test] of BUDGETS) {
    addRow({
      section,
      scenario,
      metric,
      unit: 'ms',
      values: perRep.map((r) => r[key]),
      target: `< ${fmt.int(budget)} ms`,
      absolute: (v) => v < budget,
      note: `the correctness of the same case: test/unit/${test}`,
    });
  }
  printSection(section);
}
