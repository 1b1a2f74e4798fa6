import type { NamedCassette } from '../../core/cassette/model.js';
import type { CompiledSpec } from '../../core/mock/openapi/compiled.js';
import {
  checkRequestForOperation,
  checkResponseForOperation,
  findOperation,
} from '../../core/mock/openapi/contract.js';
import { CoverageCounter, type CoverageReport } from '../../core/mock/openapi/coverage.js';
import { cassetteFile, type VerifyProblem } from '../verify/verify.js';

export {
  checkResponseAgainstSpec,
  type ContractProblem,
} from '../../core/mock/openapi/contract.js';

/** Kinds of contradiction `verify --spec` reports, as the problem's code. */
export type SpecProblemCode = 'spec/operation' | 'spec/request' | 'spec/response';

export interface SpecVerifyReport {
  readonly spec: string;
  readonly problems: readonly VerifyProblem[];
  readonly coverage: CoverageReport;
}

/**
 * `verify --spec`: every recorded interaction against the spec. The request must match a
 * documented operation and its parameters and body; the response must have a documented status
 * (or `default`), a documented content type and a body valid against its schema. Each
 * contradiction names the cassette, the interaction and the JSON pointer into the cassette file.
 * Coverage counts which operations and documented responses have recordings.
 */
export function verifyAgainstSpec(
  cassettes: readonly NamedCassette[],
  spec: CompiledSpec,
  directory: string,
  specName: string,
  /** The working directory cassette files are shown relative to. */
  cwd: string,
): SpecVerifyReport {
  const problems: VerifyProblem[] = [];
  const coverage = new CoverageCounter(spec.model);
  for (const { name, cassette } of cassettes) {
    const file = cassetteFile(directory, name, cwd);
    cassette.interactions.forEach((interaction, i) => {
      const at = `/interactions/${i}`;
      const push = (code: SpecProblemCode, pointer: string, message: string) =>
        problems.push({ cassette: name, file, code, pointer, message });
      const named = (id: string, message: string) =>
        message.includes(id) ? message : `${id}: ${message}`;
      const found = findOperation(spec, interaction.request);
      if (!found.ok) {
        push('spec/operation', `${at}/request${found.problem.pointer}`, found.problem.message);
        return;
      }
      coverage.add(found.operation, interaction.response.status);
      for (const p of checkRequestForOperation(
        spec,
        found.operation,
        found.params,
        interaction.request,
      ))
        push('spec/request', `${at}/request${p.pointer}`, named(found.operation.id, p.message));
      for (const p of checkResponseForOperation(spec, found.operation, interaction.response))
        push('spec/response', `${at}/response${p.pointer}`, named(found.operation.id, p.message));
    });
  }
  return { spec: specName, problems, coverage: coverage.report() };
}
