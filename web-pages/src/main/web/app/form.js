// Sync Control: the form.
import { state } from './state.js';
import { $, TYPE_WORDS } from './constants.js';
import { capitalize, mainType, readable, recordName, recordNoun, singular, writable } from './fields.js';
import { compactJson, display, h, plural, setButtonBusy, setLabel, show, uuid } from './helpers.js';
import { offlineNote, reportError, toast } from './messages.js';
import { refreshOps } from './queue.js';
import { refreshList } from './records.js';

function fieldNodes() {
  return [...$('form-fields').querySelectorAll('.field[data-field]')];
}

function inputOf(field) {
  return $(field.id);
}

function placeholderOf(field) {
  const p = field.schema || {};
  if (Array.isArray(p.examples) && p.examples.length) return display(p.examples[0]);
  switch (field.kind) {
    case 'list':
      return 'Separate entries with commas';
    case 'json':
      return mainType(p) === 'array' ? '["…", "…"]' : '{"name": "value"}';
    case 'loose-json':
      return 'JSON or text';
    default:
      return field.required ? '' : 'Optional';
  }
}

function buildInput(field) {
  const p = field.schema || {};
  let input;
  switch (field.kind) {
    case 'enum': {
      input = document.createElement('select');
      input.add(new Option(field.required ? 'Choose…' : '—', ''));
      field.options.forEach((value, i) => input.add(new Option(display(value), String(i))));
      break;
    }
    case 'boolean':
    case 'loose-boolean':
      input = document.createElement('select');
      input.add(new Option(field.required ? 'Choose…' : '—', ''));
      input.add(new Option('yes', 'true'));
      input.add(new Option('no', 'false'));
      break;
    case 'reference':
      input = document.createElement('select');
      input.add(new Option('—', ''));
      break;
    case 'json':
    case 'loose-json':
      input = document.createElement('textarea');
      input.rows = 1;
      input.spellcheck = false;
      break;
    default:
      input = document.createElement('input');
      input.type = { number: 'number', integer: 'number', date: 'date', datetime: 'datetime-local', time: 'time',
        email: 'email', url: 'url' }[field.kind] || 'text';
      if (field.kind === 'number' || field.kind === 'integer') {
        input.step = field.kind === 'integer' ? '1' : 'any';
        input.inputMode = field.kind === 'integer' ? 'numeric' : 'decimal';
        if (typeof p.minimum === 'number') input.min = String(p.minimum);
        if (typeof p.maximum === 'number') input.max = String(p.maximum);
      }
      if (field.kind === 'datetime' || field.kind === 'time') input.step = '1';
      if (field.kind === 'loose-number') input.inputMode = 'decimal';
      if (Number.isInteger(p.maxLength) && ['text', 'email', 'url'].includes(field.kind)) {
        input.maxLength = p.maxLength;
      }
  }
  input.id = field.id;
  input.name = field.name;
  if (input.tagName !== 'SELECT') {
    const placeholder = placeholderOf(field);
    if (placeholder) input.placeholder = placeholder;
  }
  if (field.required) input.setAttribute('aria-required', 'true');
  if (field.description) input.title = field.description;
  return input;
}

function buildFieldNode(field) {
  const node = h('div', 'field');
  node.dataset.field = field.name;
  node.dataset.kind = field.kind;
  node.dataset.required = String(Boolean(field.required));
  const label = h('label', '', field.label);
  label.htmlFor = field.id;
  if (field.description) label.title = field.description;
  if (field.required) {
    label.append(' ', h('span', 'required', '*'));
    label.lastChild.setAttribute('aria-hidden', 'true');
  }
  node.append(label, buildInput(field));
  if (field.kind === 'datetime') node.append(h('p', 'field-hint', 'Your local time'));
  return node;
}

/** Brings the form's fields in line with the collection's (an input whose field did not change keeps its value). */
export function renderFormFields() {
  const container = $('form-fields');
  const old = new Map(fieldNodes().map((node) => [node.dataset.field, node]));
  // a property the schema marks readOnly is the server's to set: listed, not in the form
  const nodes = state.current ? state.current.fields.filter((field) => field.schema.readOnly !== true).map((field) => {
    const existing = old.get(field.name);
    return existing && existing.dataset.kind === field.kind && inputOf(field) ? existing : buildFieldNode(field);
  }) : [];
  if (state.current && state.current.loose) {
    const extra = $('record-extra') ? $('record-extra').closest('.field') : buildExtraNode();
    nodes.push(extra);
  }
  nodes.forEach((node, i) => {
    if (container.children[i] !== node) container.insertBefore(node, container.children[i] || null);
  });
  while (container.children.length > nodes.length) container.lastElementChild.remove();
  container.dataset.fields = state.current ? state.current.fields.map((f) => f.name).join(',') : '';
  fillReferenceOptions();
}

/** Without a schema: any further fields as one JSON object. */
function buildExtraNode() {
  const node = h('div', 'field field-wide field-extra');
  const label = h('label', '', 'More fields (JSON)');
  label.htmlFor = 'record-extra';
  const input = document.createElement('textarea');
  input.id = 'record-extra';
  input.rows = 2;
  input.spellcheck = false;
  input.placeholder = '{"name": "value", "count": 2}';
  node.append(label, input, h('p', 'field-hint', 'A JSON object: its fields are added to the record.'));
  return node;
}

/** The reference pickers list the records of their collection on this device. */
export function fillReferenceOptions() {
  if (!state.current) return;
  for (const field of state.current.fields) {
    if (field.kind !== 'reference') continue;
    const select = inputOf(field);
    if (!select) continue;
    const value = select.value;
    const records = [...(state.referenced.get(field.ref) || new Map()).values()]
      .map((r) => ({ id: r.id, name: recordName(field.ref, r) }))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || a.id.localeCompare(b.id));
    const none = records.length ? (field.required ? 'Choose…' : '—')
      : `No ${readable(field.ref).toLowerCase()} on this device yet`;
    const options = [new Option(none, '')];
    for (const r of records) {
      const option = new Option(r.name === r.id ? r.id : `${r.name} · ${r.id.slice(0, 8)}`, r.id);
      option.title = r.id;
      options.push(option);
    }
    if (value && !records.some((r) => r.id === value)) options.push(new Option(`${value} (not on this device)`, value));
    select.replaceChildren(...options);
    select.value = value;
  }
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** An ISO timestamp as a datetime-local value in the device's time zone. */
function toLocalInput(iso) {
  const d = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
    + `:${pad(d.getSeconds())}`;
}

function setFieldValue(field, value) {
  const input = inputOf(field);
  if (!input) return;
  if (value === undefined || value === null) {
    input.value = '';
    return;
  }
  switch (field.kind) {
    case 'enum': {
      const i = field.options.findIndex((o) => compactJson(o) === compactJson(value));
      input.value = i >= 0 ? String(i) : '';
      break;
    }
    case 'boolean':
    case 'loose-boolean':
      input.value = typeof value === 'boolean' ? String(value) : '';
      break;
    case 'reference': {
      const id = String(value);
      if (![...input.options].some((o) => o.value === id)) input.add(new Option(`${id} (not on this device)`, id));
      input.value = id;
      break;
    }
    case 'datetime':
      input.value = toLocalInput(value);
      break;
    case 'number':
    case 'integer':
      input.value = typeof value === 'number' ? String(value) : '';
      break;
    case 'list':
      input.value = Array.isArray(value) ? value.map((v) => display(v)).join(', ') : display(value);
      break;
    case 'json':
    case 'loose-json':
      input.value = typeof value === 'string' && field.kind === 'loose-json' ? value : compactJson(value);
      break;
    default:
      input.value = typeof value === 'string' ? value : compactJson(value);
  }
}

/** A field's value from its input: `{value}` (undefined: empty) or `{error}` (a plain message). */
function readField(field) {
  const input = inputOf(field);
  if (!input) return { value: undefined };
  const raw = input.value;
  const text = raw.trim();
  switch (field.kind) {
    case 'number':
    case 'integer': {
      if (input.validity && input.validity.badInput) return { error: `must be ${TYPE_WORDS[field.kind]}` };
      if (text === '') return { value: undefined };
      const n = Number(text);
      if (!Number.isFinite(n)) return { error: `must be ${TYPE_WORDS[field.kind]}` };
      if (field.kind === 'integer' && !Number.isInteger(n)) return { error: 'must be a whole number' };
      return { value: n };
    }
    case 'enum':
      return { value: text === '' ? undefined : field.options[Number(text)] };
    case 'boolean':
    case 'loose-boolean':
      return { value: text === '' ? undefined : text === 'true' };
    case 'datetime': {
      if (text === '') return { value: undefined };
      const d = new Date(text); // a datetime-local value is the device's local time
      if (Number.isNaN(d.getTime())) return { error: 'must be a date and time' };
      return { value: d.toISOString().replace('.000Z', 'Z') };
    }
    case 'list': {
      if (text === '') return { value: undefined };
      const items = text.split(',').map((s) => s.trim()).filter(Boolean);
      if (field.itemType === 'number' || field.itemType === 'integer') {
        const numbers = items.map(Number);
        if (numbers.some((n) => !Number.isFinite(n) || (field.itemType === 'integer' && !Number.isInteger(n)))) {
          return { error: `must be a list of ${field.itemType === 'integer' ? 'whole numbers' : 'numbers'}` };
        }
        return { value: numbers };
      }
      return { value: items };
    }
    case 'json': {
      if (text === '') return { value: undefined };
      let value;
      try {
        value = JSON.parse(text);
      } catch {
        return { error: 'must be written as JSON, e.g. {"name": "value"} or ["a", "b"]' };
      }
      const type = mainType(field.schema || {});
      if (type === 'object' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        return { error: 'must be a group of fields, e.g. {"name": "value"}' };
      }
      if (type === 'array' && !Array.isArray(value)) return { error: 'must be a list, e.g. ["a", "b"]' };
      return { value };
    }
    case 'loose-number': {
      if (text === '') return { value: undefined };
      const n = Number(text);
      return { value: Number.isFinite(n) ? n : text };
    }
    case 'loose-json': {
      if (text === '') return { value: undefined };
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { value: text };
      }
    }
    case 'reference':
    case 'date':
    case 'time':
    case 'email':
    case 'url':
    case 'text':
    case 'loose-text':
    default:
      return { value: text === '' ? undefined : raw.trim() };
  }
}

/** The schema's rules a value of the form can break, in plain words (null: fine). */
function checkValue(field, value) {
  if (value === undefined) return field.required ? 'is required' : null;
  const s = field.schema || {};
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) return `must be at least ${s.minimum}`;
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) {
      return `must be more than ${s.exclusiveMinimum}`;
    }
    if (typeof s.maximum === 'number' && value > s.maximum) return `must be at most ${s.maximum}`;
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) {
      return `must be less than ${s.exclusiveMaximum}`;
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (Number.isInteger(s.minLength) && length < s.minLength) return `must be at least ${s.minLength} characters long`;
    if (Number.isInteger(s.maxLength) && length > s.maxLength) return `must be at most ${s.maxLength} characters long`;
    if (typeof s.pattern === 'string') {
      let matches = true;
      try {
        matches = new RegExp(s.pattern, 'u').test(value);
      } catch {
        // a pattern this browser cannot read: the server checks it
      }
      if (!matches) return formatMessage(field);
    }
  }
  if (Array.isArray(value)) {
    if (Number.isInteger(s.minItems) && value.length < s.minItems) return `needs at least ${plural(s.minItems, 'entry', 'entries')}`;
    if (Number.isInteger(s.maxItems) && value.length > s.maxItems) return `may have at most ${plural(s.maxItems, 'entry', 'entries')}`;
    if (s.uniqueItems === true && new Set(value.map((v) => compactJson(v))).size !== value.length) {
      return 'lists the same entry twice';
    }
  }
  return null;
}

export function formatMessage(field) {
  switch (field && field.kind) {
    case 'date':
      return 'must be a date (year-month-day)';
    case 'datetime':
      return 'must be a date and time';
    case 'time':
      return 'must be a time of day';
    default:
      return 'is not in the expected format';
  }
}

/**
 * The form as data: `{data, patch, errors}`. Creating: every field with a value. Editing: a merge patch of the
 * fields whose input the user changed (an emptied field is removed), so a value the form cannot show stays as it is.
 */
function readForm() {
  const errors = [];
  const data = {};
  const patch = {};
  for (const field of state.current.fields) {
    const input = inputOf(field);
    if (!input) continue;
    const changed = !state.editing || state.editing.inputs.get(field.name) !== input.value;
    const { value, error } = readField(field);
    if (state.editing && !changed) continue;
    const message = error || checkValue(field, value);
    if (message) {
      errors.push({ field, message });
      continue;
    }
    if (value !== undefined) data[field.name] = value;
    patch[field.name] = value === undefined ? null : value;
  }
  const extra = $('record-extra');
  if (state.current.loose && extra && extra.value.trim() && (!state.editing || state.editing.extra !== extra.value)) {
    let more;
    try {
      more = JSON.parse(extra.value);
    } catch {
      more = undefined;
    }
    if (!more || typeof more !== 'object' || Array.isArray(more)) {
      errors.push({ field: { name: '', id: 'record-extra', label: 'More fields (JSON)' },
        message: 'must be a JSON object, e.g. {"name": "value"}' });
    } else {
      Object.assign(data, more);
      Object.assign(patch, more);
    }
  }
  return { data, patch, errors };
}

function showRecordError(message, invalid = []) {
  $('record-error').textContent = message || '';
  show($('record-error'), Boolean(message));
  for (const node of $('form-fields').querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  for (const id of invalid) {
    const input = $(id);
    if (input) input.setAttribute('aria-invalid', 'true');
  }
}

/** A new record's defaults: a required date and time is now. */
function fillDefaults() {
  if (!state.current) return;
  for (const field of state.current.fields) {
    if (field.kind === 'datetime' && field.required) setFieldValue(field, new Date().toISOString());
  }
}

export function startEdit(id) {
  const record = state.recordsById.get(id);
  if (!record || !writable()) return;
  const data = record.data || {};
  $('record-form').reset();
  for (const field of state.current.fields) setFieldValue(field, data[field.name]);
  const inputs = new Map();
  for (const field of state.current.fields) {
    const input = inputOf(field);
    if (input) inputs.set(field.name, input.value);
  }
  const extra = $('record-extra');
  state.editing = { id, original: { ...data }, inputs, extra: extra ? extra.value : '' };
  $('record-id').value = id;
  const form = $('record-form');
  form.dataset.mode = 'edit';
  $('form-title').textContent = `Editing ${recordName(state.current.name, record)}`;
  setLabel($('save-record'), 'Save changes');
  show($('cancel-edit'), true);
  showRecordError('');
  for (const tr of $('records').tBodies[0].rows) tr.classList.toggle('editing', tr.dataset.id === id);
  form.scrollIntoView({ block: 'nearest' });
  const first = state.current.fields.map(inputOf).find(Boolean);
  if (first) first.focus();
}

export function stopEdit() {
  state.editing = null;
  const form = $('record-form');
  form.reset();
  $('record-id').value = '';
  form.dataset.mode = 'create';
  const noun = state.current ? recordNoun(state.current.name, state.current.schema) : 'record';
  $('form-title').textContent = `New ${noun}`;
  setLabel($('save-record'), `Add ${noun}`);
  show($('cancel-edit'), false);
  showRecordError('');
  fillDefaults();
  for (const tr of $('records').tBodies[0].rows) tr.classList.remove('editing');
}

export async function onRecordSubmit(event) {
  event.preventDefault();
  const c = state.client;
  if (!c || !state.current || !writable()) return;
  const shown = state.current;
  const { data, patch, errors } = readForm();
  if (errors.length) {
    showRecordError(errors.map((e) => `${e.field.label}: ${e.message}`).join('\n'), errors.map((e) => e.field.id));
    const first = $(errors[0].field.id);
    if (first) first.focus();
    return;
  }
  showRecordError('');
  const button = $('save-record');
  if (button.disabled) return;
  const wasEditing = state.editing;
  const noun = recordNoun(shown.name, shown.schema);
  setButtonBusy(button, true, wasEditing ? 'Saving…' : 'Adding…');
  try {
    const records = c.records(shown.name);
    if (wasEditing) {
      if (Object.keys(patch).length === 0) {
        toast('Nothing changed');
        stopEdit();
        return;
      }
      await records.update(wasEditing.id, patch);
      if (c !== state.client) return;
      if (state.editing === wasEditing) stopEdit();
      toast(`Changes saved${offlineNote()}`);
    } else {
      if (Object.keys(data).length === 0) {
        showRecordError('Fill in at least one field.');
        return;
      }
      const serverIds = shown.info && shown.info.idMode === 'server';
      await records.create(serverIds ? null : `${singular(shown.name).slice(0, 12)}-${uuid()}`, data);
      if (c !== state.client) return;
      $('record-form').reset();
      $('record-id').value = '';
      fillDefaults();
      const first = shown.fields.map(inputOf).find(Boolean);
      if (first) first.focus();
      toast(`${capitalize(noun)} added${offlineNote()}`);
    }
  } catch (e) {
    if (c === state.client) reportError(wasEditing ? 'Could not save the changes' : `Could not add the ${noun}`, e);
  } finally {
    setButtonBusy(button, false, '');
    setLabel(button, state.editing ? 'Save changes' : `Add ${recordNoun(state.current ? state.current.name : shown.name,
      state.current ? state.current.schema : shown.schema)}`);
    if (c === state.client) {
      refreshList();
      refreshOps();
    }
  }
}
