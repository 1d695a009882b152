// What the server says about its collections (`GET /api/v1/collections`, contract v1.2 "Schemas for clients"), kept
// in the store's `meta` so that it holds offline and after a restart, and the check of a local write against it
// before the write is queued: `canWrite`, `appendOnly` and the JSON Schema. The schema is applied as the server applies
// it (com.networknt json-schema-validator): draft 2020-12 unless `$schema` names another, `format` only an annotation
// in 2019-09 and 2020-12 (asserted in drafts 4 to 7), every error reported, each under the field path the server
// gives (`dose`, `items[2].sku`, a missing required field by its own path). The validator is @cfworker/json-schema
// (vendored, MIT). docs/browser-sdk.md, "Validation before queueing".

import {
  Validator, schemaArrayKeyword, schemaKeyword, schemaMapKeyword,
} from '../vendor/cfworker-json-schema/index.js';
import { SyncRequestError } from './errors.js';
import { TransportError } from './transport.js';

/** The meta key the served collections are stored under. */
export const COLLECTIONS_KEY = 'collections';

/** Keywords whose `false` schema the server reports at the object or array that holds the value, not at the value. */
const FALSE_AT_PARENT = new Set(['additionalProperties', 'unevaluatedProperties', 'items', 'additionalItems',
  'unevaluatedItems']);

/** Keywords whose error only says that a subschema failed: the subschema's own errors follow it in the list. */
const WRAPPERS = new Set(['properties', 'patternProperties', 'items', 'prefixItems', 'additionalItems',
  'unevaluatedItems', '$ref', '$recursiveRef', '$dynamicRef', 'allOf', 'anyOf', 'if', 'dependentSchemas']);

export class CollectionCatalog {
  constructor() {
    this.served = null;
    this.validators = new Map();
    this.refreshing = null;
    this.onRefreshed = () => {};
    /**
     * Collections the app declared a schema version for (option `schemaVersions`): `GET /collections` describes the
     * current version only, and the app may write an older one (upgraded by the server), so their shape is left to
     * the server, which checks an old version's create against that version's own schema.
     */
    this.versioned = new Set();
  }

  /** Takes what the store holds (or null: nothing known, nothing checked). */
  load(served) {
    this.served = isObject(served) && isObject(served.collections) ? served : null;
    this.validators.clear();
  }

  /** The served rules of one collection, or null when the server did not name it (or nothing was fetched yet). */
  rules(collection) {
    const rules = this.served?.collections?.[collection];
    return isObject(rules) ? rules : null;
  }

  /**
   * Fetches the collections and stores them (one fetch at a time: a caller during one joins it). Resolves to true
   * when they changed, false when they did not, the server has no such endpoint (404) or answered something else;
   * rejects with the TransportError of a failed request (the known rules stay).
   */
  refresh(http, store) {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      let answer;
      try {
        answer = await http.get('collections');
      } catch (e) {
        if (e instanceof TransportError && e.error.status === 404) return false; // a server older than v1.2
        throw e;
      }
      if (!isObject(answer) || !isObject(answer.collections)) return false;
      const served = {
        collections: answer.collections, allowUndeclared: answer.allowUndeclared !== false,
        fetchedAt: new Date().toISOString(),
      };
      if (this.served && same(this.served, served)) return false; // the usual case: nothing to store or tell
      await store.putMeta(COLLECTIONS_KEY, served);
      this.load(served);
      this.onRefreshed();
      return true;
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * Refuses a local write the server would refuse for certain (SyncRequestError, kind 'local'): code `forbidden` when
   * the collection's `canWrite` is false, or it is `appendOnly` and the write is not a create; `validation_failed`
   * with `fields` when `data` (the record as the write leaves it) breaks the collection's schema. A collection the
   * server did not name, or without a schema, or with a schema version declared by the app, is not validated.
   */
  check(collection, id, type, data) {
    const rules = this.rules(collection);
    if (!rules) return;
    if (rules.canWrite === false) {
      throw refused('forbidden', `the ${type} of ${collection}/${id} was not queued: the server does not let this `
        + `user write to "${collection}" (canWrite: false)`);
    }
    if (rules.appendOnly === true && type !== 'create') {
      throw refused('forbidden', `the ${type} of ${collection}/${id} was not queued: "${collection}" is append-only `
        + '(creates only)');
    }
    if (type === 'delete' || !isObject(rules.schema) || this.versioned.has(collection)) return;
    const fields = this.validate(collection, rules, data);
    if (fields.length > 0) {
      throw refused('validation_failed', `the ${type} of ${collection}/${id} was not queued: it breaks the `
        + `collection's schema: ${fields.map((f) => `${f.field || '(the record)'}: ${f.message}`).join('; ')}`, fields);
    }
  }

  /** The schema's errors for `data` as [{field, message}], sorted by field and message as the server sorts them. */
  validate(collection, rules, data) {
    let validator = this.validators.get(collection);
    if (validator === undefined) {
      validator = compile(collection, rules.schema);
      this.validators.set(collection, validator);
    }
    if (validator === null) return [];
    let result;
    try {
      result = validator.validate(data);
    } catch (e) {
      // e.g. a `pattern` that Java accepts and JavaScript does not: the server judges the write
      console.warn(`outpost: the schema of "${collection}" could not be applied locally; not validated`, e);
      return [];
    }
    if (result.valid) return [];
    const derived = new Set(Array.isArray(rules.derived) ? rules.derived : []);
    const references = isObject(rules.references) ? rules.references : {};
    const seen = new Set();
    return fieldErrors(result.errors, data)
      .filter(({ field }) => {
        const top = field.split(/[.[]/, 1)[0];
        // the server sets a derived field itself, and rewrites a temporary id in a reference before it validates
        if (derived.has(top)) return false;
        return !(top in references && typeof data[top] === 'string' && data[top].startsWith('tmp-'));
      })
      .filter((f) => {
        const key = `${f.field}\u0000${f.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort((a, b) => compare(a.field, b.field) || compare(a.message, b.message));
  }
}

function compile(collection, schema) {
  try {
    const draft = draftOf(schema);
    const applied = draft === '2019-09' || draft === '2020-12' ? withoutFormat(schema) : schema;
    return new Validator(applied, draft, false);
  } catch (e) {
    console.warn(`outpost: the schema of "${collection}" could not be read locally; not validated`, e);
    return null;
  }
}

/** The draft as the server's validator detects it from `$schema`: 2020-12 when it names none (or one unknown). */
function draftOf(schema) {
  const uri = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (/draft-04/.test(uri)) return '4';
  if (/draft-0[67]/.test(uri)) return '7';
  if (uri.includes('2019-09')) return '2019-09';
  return '2020-12';
}

/**
 * The schema without its `format` keywords (in schema positions only: a property named "format" stays): from
 * draft 2019-09 on the server treats `format` as an annotation, the validator here would assert it.
 */
function withoutFormat(schema) {
  if (!isObject(schema)) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'format') continue;
    if (Array.isArray(value) && schemaArrayKeyword[key]) {
      out[key] = value.map(withoutFormat);
    } else if (isObject(value) && (schemaMapKeyword[key] || key === 'dependencies')) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutFormat(v)]));
    } else if (schemaKeyword[key]) {
      out[key] = withoutFormat(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * The validator's errors as the server reports them: one per failed assertion (not the "a subschema failed" errors
 * around them), each under the field path of the value that failed; a missing required field under its own path; a
 * property that `additionalProperties: false` forbids under the path of its object, an item `items: false` forbids
 * under the path of its array (as the server's validator).
 */
function fieldErrors(errors, instance) {
  const out = [];
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i];
    const k = e.keyword;
    if (FALSE_AT_PARENT.has(k) && errors[i + 1]?.keyword === 'false') {
      // `additionalProperties: false` and the like: the server names the object (or array), not the value
      const next = errors[i + 1];
      const properties = k.endsWith('Properties');
      const what = properties ? `property "${quoted(e.error)}"`
        : `item ${next.instanceLocation.slice(next.instanceLocation.lastIndexOf('/') + 1)}`;
      out.push({ field: fieldOf(e.instanceLocation, instance),
        message: `${what} is not allowed: the schema allows no other ${properties ? 'properties' : 'items'}` });
      i++;
      continue;
    }
    if (k === 'additionalProperties' || k === 'unevaluatedProperties') continue; // a schema: its own errors follow
    if (k === 'propertyNames') {
      out.push({ field: fieldOf(e.instanceLocation, instance), message: e.error });
      // what the name broke is reported at the property as if it were a value: not a field of the record
      while (errors[i + 1]?.keywordLocation.startsWith(`${e.keywordLocation}/`)) i++;
      continue;
    }
    if (WRAPPERS.has(k) || (k === 'dependencies' && e.error.includes('dependant schema'))) continue;
    let field = fieldOf(e.instanceLocation, instance);
    if (k === 'required') {
      const name = quoted(e.error);
      field = field === '' ? name : `${field}.${name}`;
    }
    out.push({ field, message: e.error });
  }
  return out;
}

/** The text between the first and the last double quote of a validator message (a property name). */
function quoted(message) {
  return message.slice(message.indexOf('"') + 1, message.lastIndexOf('"'));
}

/** A JSON pointer fragment (`#/items/2/sku`) as the server's field path (`items[2].sku`; the record itself: ""). */
function fieldOf(location, instance) {
  if (!location || location === '#') return '';
  let path = '';
  let node = instance;
  for (const raw of location.replace(/^#\//, '').split('/')) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      path += path === '' ? segment : `.${segment}`;
      node = isObject(node) ? node[segment] : undefined;
    }
  }
  return path;
}

/** Whether two fetches served the same rules (JSON of the same server: same key order). */
function same(a, b) {
  return a.allowUndeclared === b.allowUndeclared && JSON.stringify(a.collections) === JSON.stringify(b.collections);
}

function refused(code, message, fields = []) {
  return new SyncRequestError({ kind: 'local', message, status: 0, code, fields });
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
