// Sync Control: field errors of the server in plain words.
import { state } from './state.js';
import { TYPE_WORDS } from './constants.js';
import { fieldsOf, readable, recordNoun, singular, usableSchema } from './fields.js';
import { formatMessage } from './form.js';
import { plural } from './helpers.js';

/** The label of a field path (`doseMg`, `items[2].sku`) of a collection. */
export function fieldLabel(collection, path) {
  const match = /^([^.[\]]+)(.*)$/.exec(path || '');
  if (!match) return '';
  const fields = fieldsOf(collection);
  const field = fields && fields.find((f) => f.name === match[1]);
  const label = field ? field.label : readable(match[1]);
  const rest = match[2].replace(/^\./, '');
  if (!rest) return label;
  const parts = rest.split(/\.|(?=\[)/).filter(Boolean)
    .map((p) => (/^\[(\d+)\]$/.test(p) ? `entry ${Number(p.slice(1, -1)) + 1}` : readable(p)));
  return `${label} (${parts.join(', ')})`;
}

function typeWords(list) {
  const words = list.replace(/[[\]"]/g, '').split(/\s*,\s*/).filter(Boolean).map((t) => TYPE_WORDS[t] || t);
  return words.join(' or ');
}

/** One message of the server's validator (networknt JSON Schema texts, reference checks) in plain words. */
export function plainFieldMessage(collection, fieldError) {
  const label = fieldLabel(collection, fieldError.field);
  const raw = String(fieldError.message || '').trim();
  const text = raw.replace(/^\$[^\s:]*:\s*/, ''); // "$.doseMg: must …" → "must …"
  const fields = fieldsOf(collection);
  const field = fields && fields.find((f) => f.name === String(fieldError.field || '').split(/[.[]/)[0]);
  const collectionNoun = recordNoun(collection, state.catalog && usableSchema(state.catalog.collections.get(collection)));
  const rules = [
    [/^required property '(.+)' not found$/, (m) => `${fieldLabel(collection, fieldError.field || m[1])}: is required`],
    [/^must have a minimum value of (.+)$/, (m) => `${label}: must be at least ${m[1]}`],
    [/^must have an exclusive minimum value of (.+)$/, (m) => `${label}: must be more than ${m[1]}`],
    [/^must have a maximum value of (.+)$/, (m) => `${label}: must be at most ${m[1]}`],
    [/^must have an exclusive maximum value of (.+)$/, (m) => `${label}: must be less than ${m[1]}`],
    [/^must be at least (\d+) characters long$/, (m) => `${label}: must be at least ${m[1]} characters long`],
    [/^must be at most (\d+) characters long$/, (m) => `${label}: must be at most ${m[1]} characters long`],
    [/^(\w+) found, (.+) expected$/, (m) => `${label}: must be ${typeWords(m[2])}`],
    [/^does not have a value in the enumeration \[(.*)\]$/, (m) => `${label}: must be one of ${m[1].split(/\s*,\s*/).join(', ')}`],
    [/^must be the constant value '(.*)'$/, (m) => `${label}: must be ${m[1]}`],
    [/^does not match the (regex )?pattern/, () => `${label}: ${formatMessage(field)}`],
    [/^does not match the .* pattern/, () => `${label}: ${formatMessage(field)}`],
    [/^property '(.+)' is not defined in the schema/, (m) => `“${m[1]}” is not a field of a ${collectionNoun}; remove it`],
    [/^must have at most (\d+) items/, (m) => `${label}: may have at most ${plural(Number(m[1]), 'entry', 'entries')}`],
    [/^must have at least (\d+) items/, (m) => `${label}: needs at least ${plural(Number(m[1]), 'entry', 'entries')}`],
    [/^must have only unique items/, () => `${label}: lists the same entry twice`],
    [/^must be multiple of (.+)$/, (m) => `${label}: must be a multiple of ${m[1]}`],
    [/^no record (.*) in collection (.+)$/, (m) => `${label}: there is no ${singular(readable(m[2]).toLowerCase())} `
      + `“${m[1].replace(/^"|"$/g, '')}” (deleted, or not on the server yet)`],
    [/^is required$/, () => `${label || 'The record'}: is required`],
    [/^is (\d+) bytes; the limit is (\d+)/, (m) => `The record is too large (${m[1]} bytes; at most ${m[2]})`],
  ];
  for (const [pattern, sentence] of rules) {
    const m = pattern.exec(text);
    if (m) return sentence(m);
  }
  return label ? `${label}: is not valid` : 'The record is not valid';
}
