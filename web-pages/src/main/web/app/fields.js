// Sync Control: collections and their fields.
import { state } from './state.js';
import { $, COLLECTION_KEY, UNITS } from './constants.js';
import { renderFormFields, stopEdit } from './form.js';
import { show } from './helpers.js';
import { refreshList, refreshReferenced, renderHeader } from './records.js';

export function capitalize(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** A field or collection name for people: `doseMg` "Dose (mg)", `patientId` "Patient ID", `date_of_birth` "Date of birth". */
export function readable(name) {
  const words = String(name).replace(/[_\-.]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return String(name);
  let suffix = '';
  if (words.length > 1) {
    const last = words[words.length - 1].toLowerCase();
    if (UNITS[last]) {
      suffix = ` (${UNITS[last]})`;
      words.pop();
    } else if (last === 'id' || last === 'ids') {
      words[words.length - 1] = last === 'id' ? 'ID' : 'IDs';
    }
  }
  const text = words.map((w, i) => {
    if (w.length > 1 && w === w.toUpperCase()) return w; // an acronym stays
    return i === 0 ? capitalize(w.toLowerCase()) : w.toLowerCase();
  }).join(' ');
  return text + suffix;
}

/** "dispenses" → "dispense": good enough for labels of collection names. */
export function singular(word) {
  if (/ies$/.test(word)) return word.replace(/ies$/, 'y');
  if (/(sses|xes|ches|shes)$/.test(word)) return word.replace(/es$/, '');
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}

/** What one record of a collection is called: the schema's title, else the singular of the collection's name. */
export function recordNoun(name, schema) {
  const title = schema && typeof schema.title === 'string' && schema.title.trim();
  if (title) return title.charAt(0).toLowerCase() + title.slice(1);
  return singular(readable(name).toLowerCase());
}

/** A schema that can drive the form: an object schema with properties. */
export function usableSchema(info) {
  const s = info && info.schema;
  return s && typeof s === 'object' && s.properties && typeof s.properties === 'object'
    && Object.keys(s.properties).length > 0 ? s : null;
}

export function mainType(prop) {
  const t = prop.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') || null;
  if (Array.isArray(prop.enum) && prop.enum.length) {
    const kinds = new Set(prop.enum.map((v) => (Number.isInteger(v) ? 'integer' : typeof v)));
    if (kinds.size === 1) return [...kinds][0];
  }
  return null;
}

const FORMAT_KINDS = { date: 'date', 'date-time': 'datetime', time: 'time', email: 'email', uri: 'url' };

/** A form field and list column of a schema property: `{name, label, kind, type, required, schema, ref, ...}`. */
function describeField(name, prop, required, ref, index) {
  const p = prop && typeof prop === 'object' ? prop : {};
  const type = mainType(p);
  let kind;
  let options = null;
  let itemType = null;
  if (ref && state.catalog && state.catalog.collections.has(ref)) {
    kind = 'reference';
  } else if (Array.isArray(p.enum) && p.enum.length > 0) {
    kind = 'enum';
    options = p.enum;
  } else if (p.const !== undefined) {
    kind = 'enum';
    options = [p.const];
  } else if (type === 'integer' || type === 'number') {
    kind = type;
  } else if (type === 'boolean') {
    kind = 'boolean';
  } else if (type === 'string') {
    kind = FORMAT_KINDS[p.format] || 'text';
  } else if (type === 'array' && p.items && typeof p.items === 'object'
      && ['string', 'number', 'integer'].includes(mainType(p.items)) && !Array.isArray(p.items.enum)) {
    kind = 'list';
    itemType = mainType(p.items);
  } else {
    kind = 'json';
  }
  return {
    name,
    id: /^[A-Za-z][A-Za-z0-9_-]*$/.test(name) ? `field-${name}` : `field-${index}`,
    label: typeof p.title === 'string' && p.title.trim() ? p.title.trim() : readable(name),
    description: typeof p.description === 'string' ? p.description : '',
    kind,
    type,
    itemType,
    options,
    required,
    ref: kind === 'reference' ? ref : null,
    schema: p,
  };
}

function fieldsFromSchema(schema, info) {
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const references = (info && info.references) || {};
  return Object.entries(schema.properties)
    .map(([name, prop], i) => describeField(name, prop, required.has(name), references[name], i));
}

/** The fields of any collection of the catalog (null: no schema). */
export function fieldsOf(name) {
  if (state.current && state.current.name === name && !state.current.loose) return state.current.fields;
  const info = state.catalog && state.catalog.collections.get(name);
  const schema = usableSchema(info);
  return schema ? fieldsFromSchema(schema, info) : null;
}

/** The fields that name a record in a list: the first plain text field, with the next one if it is one too. */
export function nameFields(fields) {
  const i = fields.findIndex((f) => f.kind === 'text' || f.kind === 'loose-text');
  if (i < 0) return [];
  const next = fields[i + 1];
  return next && (next.kind === 'text' || next.kind === 'loose-text') && state.current && !state.current.loose
    ? [fields[i], next] : [fields[i]];
}

/** A short name for a record: "Ada Lovelace", "amoxicillin"; its id when nothing fits. */
export function recordName(collection, record) {
  const data = (record && record.data) || {};
  const fields = fieldsOf(collection);
  let parts;
  if (fields) {
    parts = nameFields(fields).map((f) => data[f.name]).filter((v) => typeof v === 'string' && v.trim());
  } else {
    const first = Object.values(data).find((v) => typeof v === 'string' && v.trim());
    parts = first ? [first] : [];
  }
  return parts.length ? parts.join(' ') : record.id;
}

export function writable() {
  return !state.current || !state.current.info || state.current.info.canWrite !== false;
}

export function referenceTargets() {
  if (!state.current) return [];
  return [...new Set(state.current.fields.filter((f) => f.kind === 'reference').map((f) => f.ref))];
}

export function renderCollectionPicker() {
  const select = $('collection');
  select.replaceChildren();
  if (!state.catalog) return;
  for (const [name, info] of state.catalog.collections) {
    const option = new Option(info ? readable(name) : `${readable(name)} (not declared)`, name);
    option.title = info ? (usableSchema(info) ? 'Declared, with a schema' : 'Declared, without a schema')
      : 'The server accepts this collection without declaring it';
    select.add(option);
  }
  show($('collection-field'), true);
}

/** Shows a collection of the catalog: its form, its columns, its records. `remember`: the user picked it. */
export function selectCollection(name, remember = true) {
  if (!state.catalog || !state.catalog.collections.has(name)) return;
  const info = state.catalog.collections.get(name);
  const schema = usableSchema(info);
  if (remember && state.session) {
    try {
      localStorage.setItem(COLLECTION_KEY + state.session.username, name);
    } catch (e) {
      console.warn('could not keep the collection', e);
    }
  }
  stopEdit();
  if (!state.current || state.current.name !== name) {
    state.recordsById.clear();
    $('records').tBodies[0].replaceChildren();
    $('form-fields').replaceChildren(); // another collection's field of the same name has other rules
  }
  state.current = { name, info, schema, loose: !schema, fields: [] };
  state.current.fields = schema ? fieldsFromSchema(schema, info) : [];
  $('collection').value = name;
  $('records').dataset.collection = name;

  $('records-title').textContent = readable(name);
  const canWrite = writable();
  show($('record-form'), canWrite);
  show($('readonly-note'), !canWrite);
  $('collection-hint').textContent = schemaHint();
  renderFormFields();
  renderHeader();
  stopEdit();
  state.referenced.clear();
  refreshReferenced();
  refreshList();
}

function schemaHint() {
  if (!state.current.info) {
    return 'Not declared on the server: no schema, so the form shows the fields seen in the records and takes more '
      + 'as JSON.';
  }
  if (state.current.loose) return 'No schema on the server: the form shows the fields seen in the records and takes more as JSON.';
  const required = state.current.fields.filter((f) => f.required).length;
  return `Fields from the server's schema${required ? '; * marks the required ones' : ''}.`
    + (state.current.info.idMode === 'server' ? ' The server names new records.' : '');
}

/** Without a schema: every top-level field seen in the records (kinds from their values) becomes a field. */
export function learnLooseFields(records) {
  if (!state.current || !state.current.loose) return false;
  const byName = new Map(state.current.fields.map((f) => [f.name, f]));
  let changed = false;
  for (const record of records) {
    for (const [name, value] of Object.entries(record.data || {})) {
      if (value === null || value === undefined) continue;
      const kind = typeof value === 'number' ? 'loose-number' : typeof value === 'boolean' ? 'loose-boolean'
        : typeof value === 'string' ? 'loose-text' : 'loose-json';
      const known = byName.get(name);
      if (!known) {
        const field = {
          name,
          id: /^[A-Za-z][A-Za-z0-9_-]*$/.test(name) ? `field-${name}` : `field-x${byName.size}`,
          label: readable(name), description: '', kind, type: null, required: false, ref: null, schema: {},
        };
        byName.set(name, field);
        state.current.fields.push(field);
        changed = true;
      } else if (known.kind !== kind && known.kind !== 'loose-json') {
        known.kind = 'loose-json';
        changed = true;
      }
    }
  }
  return changed;
}
