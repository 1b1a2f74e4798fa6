import type { LoadedSpec, SpecModel } from './operations.js';
import { readSpec } from './operations.js';
import { SpecRouter } from './router.js';
import { toJsonSchemaDocument } from './schema.js';
import { SpecValidators } from './validate.js';

/**
 * A spec ready to serve and check: the operations, the routing table, the documents converted
 * to JSON Schema for each direction, and the (lazily compiled) validators. Built once per load;
 * `--watch` builds a new one and swaps it in whole.
 */
export class CompiledSpec {
  readonly model: SpecModel;
  readonly router: SpecRouter;
  readonly requestDocument: object;
  readonly responseDocument: object;
  readonly validators: SpecValidators;

  constructor(readonly source: LoadedSpec) {
    this.model = readSpec(source.document, source.dialect);
    this.router = new SpecRouter(this.model);
    this.requestDocument = toJsonSchemaDocument(source.document, source.dialect, 'request');
    this.responseDocument = toJsonSchemaDocument(source.document, source.dialect, 'response');
    this.validators = new SpecValidators({
      requestDocument: this.requestDocument,
      responseDocument: this.responseDocument,
    });
  }
}
