/**
 * "Docs examples are true": every `example` / `examples` value in the spec (schemas, parameters, headers, media
 * types) validated against the schema it illustrates, with ajv 2020 and formats. Stricter than JSON Schema on one
 * point, like Redocly's `allowAdditionalProperties: false`: an example may not carry a property its object schema
 * does not declare, even where the schema would allow one — the docs must not show fields the API never sends.
 */
import { newAjv } from './check.js';
import { deref, type Schema } from './spec.js';

export interface ExampleProblem {
  /** JSON pointer of the example in the spec. */
  where: string;
  errors: string[];
}

export interface ExampleReport {
  checked: number;
  problems: ExampleProblem[];
}

/** Declared properties only: `additionalProperties: false` wherever an object schema lists properties and says nothing. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'examples' || k === 'example' || k === 'const' || k === 'enum' ? v : strict(v)]));
  if (out.properties && out.additionalProperties === undefined && out.patternProperties === undefined) out.additionalProperties = false;
  return out;
}

const esc = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

export function checkExamples(spec: Schema): ExampleReport {
  const ajv = newAjv();
  const report: ExampleReport = { checked: 0, problems: [] };
  const check = (where: string, schema: Schema | undefined, value: unknown) => {
    if (!schema) {
      report.problems.push({ where, errors: ['an example with no schema to check it against'] });
      return;
    }
    report.checked += 1;
    const validate = ajv.compile(strict(deref(spec, schema)) as Schema);
    if (!validate(value)) {
      report.problems.push({ where, errors: (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`) });
    }
  };
  /** `example` and `examples: {name: {value}}` of a parameter, header or media type object. */
  const illustrated = (where: string, node: Schema) => {
    if ('example' in node) check(`${where}/example`, node.schema, node.example);
    for (const [name, ex] of Object.entries<Schema>(node.examples ?? {})) {
      const resolved = deref(spec, ex);
      if ('value' in resolved) check(`${where}/examples/${esc(name)}/value`, node.schema, resolved.value);
    }
  };
  const walk = (node: unknown, where: string, parentKey: string) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`, parentKey));
    if (!node || typeof node !== 'object') return;
    const obj = node as Schema;
    // Parameter, header and media type objects are the ones holding a `schema`.
    const isParameterOrHeaderOrMedia = typeof obj.schema === 'object' && obj.schema !== null;
    if (isParameterOrHeaderOrMedia && ('example' in obj || 'examples' in obj)) illustrated(where, obj);
    // A schema's own examples (JSON Schema `examples` array; OpenAPI's deprecated `example`).
    const isSchema = parentKey !== 'examples' && !isParameterOrHeaderOrMedia && ('type' in obj || '$ref' in obj || 'oneOf' in obj || 'properties' in obj);
    if (isSchema && Array.isArray(obj.examples)) obj.examples.forEach((v: unknown, i: number) => check(`${where}/examples/${i}`, obj, v));
    if (isSchema && 'example' in obj) check(`${where}/example`, obj, obj.example);
    for (const [k, v] of Object.entries(obj)) {
      if ((k === 'examples' || k === 'example') && (isSchema || isParameterOrHeaderOrMedia)) continue;
      walk(v, `${where}/${esc(k)}`, k);
    }
  };
  walk(spec, '#', '');
  return report;
}
