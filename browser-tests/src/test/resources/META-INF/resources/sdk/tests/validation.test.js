// Validation before queueing (contract v1.2, "Schemas for clients"): the SDK fetches GET /collections, keeps it in
// its store, and refuses a write the server would refuse (schema, canWrite, appendOnly) before anything is written or
// queued, with the field paths the server gives. Against a scripted server; the end-to-end check against the real
// server's schemas is SchemaValidationBrowserTest.
import { SyncRequestError } from '/sdk/outpost-sync.js';
import { FakeServer, json } from './fake-server.js';
import { equal, ok, rejects } from './assert.js';
import { until } from './until.js';
import { clientHarness } from './client-harness.js';
import { CollectionCatalog } from '/sdk/internal/schemas.js';

const withClient = clientHarness('validation', ['products', 'sales', 'ledger', 'prices', 'notes', 'appointments']);

const PRODUCT = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'priceCents'],
  properties: {
    name: { type: 'string', minLength: 1 },
    priceCents: { type: 'integer', minimum: 0 },
    stock: { type: 'integer', minimum: 0 },
    tags: { type: 'array', items: { type: 'string', maxLength: 5 } },
    size: { type: 'object', required: ['unit'], properties: { unit: { enum: ['g', 'ml'] } } },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const APPOINTMENT = {
  type: 'object',
  additionalProperties: false,
  required: ['petId', 'clientId'],
  properties: {
    petId: { type: 'string', pattern: '^[0-9]+$' },
    clientId: { type: 'string', minLength: 1 },
  },
};

/** The served collections (as the server's CollectionsController answers them). */
function collections(overrides = {}) {
  const rule = (more) => ({ idMode: 'client', visibility: 'tenant', conflictStrategy: 'reject', appendOnly: false,
    canWrite: true, ...more });
  return {
    collections: {
      products: rule({ schema: PRODUCT, counters: ['stock'] }),
      sales: rule({}), // no schema
      ledger: rule({ appendOnly: true }),
      prices: rule({ canWrite: false }),
      appointments: rule({ schema: APPOINTMENT, idMode: 'server', derived: ['clientId'],
        references: { petId: 'pets' } }),
      ...overrides,
    },
    allowUndeclared: true,
  };
}

function serving(answer = collections()) {
  const server = new FakeServer();
  server.on('collections', () => json(answer));
  return server;
}

const fieldsOf = (error) => error.error.fields.map((f) => f.field);

const validationFailed = (e) => e instanceof SyncRequestError && e.error.kind === 'local'
  && e.error.code === 'validation_failed';

export const tests = {
  async 'the field paths are the server validator\'s for each keyword (recorded from networknt 1.5.9)'() {
    const { cases } = (await import('./server-field-paths.json', { with: { type: 'json' } })).default;
    ok(cases.length >= 20, 'the recorded cases');
    const differences = [];
    for (const { name, schema, data, serverFields } of cases) {
      const catalog = new CollectionCatalog();
      catalog.load({ collections: { c: { schema, canWrite: true, appendOnly: false } } });
      const local = catalog.validate('c', catalog.rules('c'), data).map((f) => f.field);
      if (JSON.stringify(local) !== JSON.stringify(serverFields)) {
        differences.push(`${name}: local ${JSON.stringify(local)}, server ${JSON.stringify(serverFields)}`);
      }
    }
    equal(differences, []);
  },

  async 'an invalid create is refused at once with the server\'s field paths; nothing is written or queued'() {
    await withClient({}, async (client) => {
      await until(() => client.collectionRules('products'), 5000, 'the schemas fetched on open');
      const products = client.records('products');
      const e = await rejects(products.create('sku-1', {
        name: '', priceCents: 'free', tags: ['ok', 'far too long'], size: {}, colour: 'red',
      }), validationFailed);
      equal(fieldsOf(e), ['', 'name', 'priceCents', 'size.unit', 'tags[1]'],
        'sorted as the server sorts them; an unknown property at its object, a missing one by its own path');
      ok(/was not queued/.test(e.message) && e.message.includes('size.unit'), e.message);
      ok(e.error.fields.every((f) => typeof f.message === 'string' && f.message.length > 0), 'each with a message');
      equal(await products.get('sku-1'), null, 'nothing written');
      equal(await client.pendingOps(), [], 'nothing queued');
      await products.create('sku-1', { name: 'Rice', priceCents: 300, stock: 1 });
      equal((await client.pendingOps()).length, 1, 'a valid create is queued');
    }, serving());
  },

  async 'an update is validated on the merged record, an increment on its result; a refused one changes nothing'() {
    await withClient({}, async (client) => {
      await until(() => client.collectionRules('products'), 5000, 'the schemas');
      const products = client.records('products');
      await products.create('sku-1', { name: 'Rice', priceCents: 300, stock: 1 });
      // the patch alone lacks the required name: the merged record has it
      await products.update('sku-1', { priceCents: 250 });
      const removed = await rejects(products.update('sku-1', { name: null }), validationFailed);
      equal(fieldsOf(removed), ['name'], 'removing a required field');
      const negative = await rejects(products.increment('sku-1', { stock: -2 }), validationFailed);
      equal(fieldsOf(negative), ['stock'], 'the resulting stock is below the minimum');
      equal((await products.get('sku-1')).data, { name: 'Rice', priceCents: 250, stock: 1 });
      const ops = await client.pendingOps();
      equal(ops.map((o) => [o.type, o.data]), [['create', { name: 'Rice', priceCents: 250, stock: 1 }]],
        'the update folded into the unsent create; the refused writes left no op');
      await products.increment('sku-1', { stock: 4 });
      equal((await products.get('sku-1')).data.stock, 5);
    }, serving());
  },

  async 'a transaction with an invalid write rejects and writes nothing'() {
    await withClient({}, async (client) => {
      await until(() => client.collectionRules('products'), 5000, 'the schemas');
      await rejects(client.transaction(async (tx) => {
        await tx.records('sales').create('s-1', { total: 6 });
        await tx.records('products').create('sku-9', { name: 'Tea' });
      }), (e) => validationFailed(e) && fieldsOf(e).join() === 'priceCents');
      equal(await client.records('sales').get('s-1'), null);
      equal(await client.pendingOps(), []);
    }, serving());
  },

  async 'canWrite false and appendOnly are refused locally as forbidden'() {
    await withClient({}, async (client) => {
      await until(() => client.collectionRules('prices'), 5000, 'the rules');
      const forbidden = (e) => e instanceof SyncRequestError && e.error.kind === 'local'
        && e.error.code === 'forbidden';
      await rejects(client.records('prices').create('p-1', { cents: 1 }), forbidden);
      const ledger = client.records('ledger');
      await ledger.create('m-1', { quantity: 3 });
      await client.syncNow(); // answered applied: the record is the server's now
      await rejects(ledger.update('m-1', { quantity: 4 }), (e) => forbidden(e) && /append-only/.test(e.message));
      await rejects(ledger.delete('m-1'), forbidden);
      equal((await ledger.get('m-1')).data, { quantity: 3 });
      equal(await client.pendingOps(), []);
    }, serving());
  },

  async 'what is not checked locally: no schema, unknown collections, format, derived fields, temp ids'() {
    await withClient({}, async (client) => {
      await until(() => client.collectionRules('products'), 5000, 'the schemas');
      await client.records('sales').create('s-1', { anything: [1, 2] });
      await client.records('notes').create('n-1', { anything: true }); // not named by the server
      equal(client.collectionRules('notes'), null);
      // `format` is an annotation for the server's draft 2020-12 validator
      await client.records('products').create('sku-1', { name: 'Rice', priceCents: 1, updatedAt: 'yesterday' });
      // clientId is derived by the server; a temporary id in a reference is rewritten by the server before it validates
      await client.records('appointments').create('a-1', { petId: 'tmp-6f1c' });
      const refused = await rejects(client.records('appointments').create('a-2', { petId: 'rex' }), validationFailed);
      equal(fieldsOf(refused), ['petId'], 'a reference that is no temporary id is validated');
      equal((await client.pendingOps()).length, 4);
    }, serving());
  },

  async 'the schemas are kept in the store: an invalid write is refused offline after a restart'() {
    await withClient({}, async (client, server, open) => {
      await until(() => client.collectionRules('products'), 5000, 'the schemas');
      await client.close();
      // from now on nothing answers
      for (const path of ['collections', 'sync/push', 'sync/pull']) {
        server.on(path, () => new TypeError('Failed to fetch'));
      }
      const again = await open({ syncOnStart: true });
      ok(again.collectionRules('products') !== null, 'known at once, from the store');
      const e = await rejects(again.records('products').create('sku-1', { name: 'Rice' }), validationFailed);
      equal(fieldsOf(e), ['priceCents']);
      equal(await again.pendingOps(), []);
      equal((await again.syncNow()).error.kind, 'offline');
      ok(again.collectionRules('products') !== null, 'a failed fetch keeps them');
    }, serving());
  },

  async 'every sync fetches the schemas again'() {
    let answer = collections({ sales: undefined });
    const server = new FakeServer();
    server.on('collections', () => json(answer));
    await withClient({}, async (client) => {
      await until(() => client.collectionRules('products'), 5000, 'the schemas');
      await client.records('sales').create('s-1', { total: 'six' });
      answer = collections({ sales: { idMode: 'client', visibility: 'tenant', appendOnly: false, canWrite: true,
        schema: { type: 'object', properties: { total: { type: 'number' } } } } });
      const before = server.calls('collections').length;
      await client.syncNow();
      ok(server.calls('collections').length > before, 'fetched by the sync');
      await rejects(client.records('sales').create('s-2', { total: 'six' }), validationFailed);
      await client.records('sales').create('s-3', { total: 6 });
    }, server);
  },

  async 'a failed op queued again with edited data is checked first; an invalid edit leaves it failed'() {
    const server = serving();
    server.on('sync/push', (r) => json({ lastProcessedOpId: 1, results: r.body.operations.map((o) => ({
      opId: o.opId, status: 'rejected', collection: o.collection, id: o.id,
      error: { code: 'invalid_reference', message: 'no such supplier', fields: [] } })) }));
    await withClient({}, async (client) => {
      await until(() => client.collectionRules('products'), 5000, 'the schemas');
      await client.records('products').create('sku-1', { name: 'Rice', priceCents: 300 });
      await client.syncNow();
      const [failed] = await client.failedOps();
      ok(failed, 'the server refused the create');
      const e = await rejects(client.requeue(failed.opId, { name: 'Rice', priceCents: -5 }), validationFailed);
      equal(fieldsOf(e), ['priceCents']);
      equal((await client.failedOps()).map((o) => o.opId), [failed.opId], 'still failed, as it was');
      equal(await client.pendingOps(), []);
      ok(await client.requeue(failed.opId, { name: 'Rice', priceCents: 5 }) > failed.opId, 'a valid edit is queued');
      equal((await client.pendingOps()).length, 1);
    }, server);
  },

  async 'a server without GET /collections (404): nothing is validated, syncs work'() {
    await withClient({}, async (client, server) => {
      await client.records('products').create('sku-1', { colour: 'red' });
      const result = await client.syncNow();
      equal(result.error, null);
      ok(server.calls('collections').length >= 1);
      equal(client.collectionRules('products'), null);
    });
  },
};
