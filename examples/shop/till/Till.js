// The shop's till (examples/shop) on the Outpost SDK's React bindings: products and stock levels are live reads of
// the local store (useRecords), so a sale shows at once, offline too, and other tills' sales appear after a pull. A
// sale is one transaction (one op group: all or nothing on the server): the receipt (a server id: a temporary id
// until the push), its lines, the stock movements and the stock decrements (counter increments, which never
// conflict between tills). Plain ES modules with createElement (no JSX, so no build step is needed to test it).
import { createElement as h, useState } from 'react';
import { useRecords, useSyncClient, useSyncNow, useSyncStatus } from 'outpost-sync/react';

export const TILL_COLLECTIONS = ['products', 'stock', { name: 'sales', serverIds: true },
  { name: 'sale_items', serverIds: true, references: { saleId: 'sales', productId: 'products' } },
  { name: 'stock_movements', serverIds: true, references: { productId: 'products', saleId: 'sales' } }];

const money = (cents, currency) => `${currency} ${(cents / 100).toFixed(2)}`;

/**
 * Records one sale of `cart` ({sku: quantity}) with its lines, movements and stock decrements, in one transaction.
 * Resolves to the sale record (its id temporary until the push is answered).
 */
export function recordSale(client, { till, cashier, products, cart, paymentMethod = 'cash' }) {
  const lines = Object.entries(cart).filter(([, quantity]) => quantity > 0)
    .map(([sku, quantity]) => ({ product: products.find((p) => p.id === sku), quantity }));
  if (lines.length === 0) throw new Error('the cart is empty');
  const currency = lines[0].product.data.currency;
  const soldAt = new Date().toISOString();
  return client.transaction(async (tx) => {
    const sale = await tx.records('sales').create(null, {
      soldAt, till, cashier, currency, paymentMethod, status: 'completed',
      totalCents: lines.reduce((sum, l) => sum + l.quantity * l.product.data.priceCents, 0),
    });
    for (const { product, quantity } of lines) {
      await tx.records('sale_items').create(null, {
        saleId: sale.id, productId: product.id, quantity, unitPriceCents: product.data.priceCents,
      });
      await tx.records('stock_movements').create(null, {
        productId: product.id, quantity: -quantity, reason: 'sale', saleId: sale.id, occurredAt: soldAt,
      });
      await tx.records('stock').increment(product.id, { onHand: -quantity });
    }
    return sale;
  });
}

function Badge() {
  const status = useSyncStatus();
  const { syncNow, running } = useSyncNow();
  const words = { synced: 'All synced', pending: `${status.pendingOps} to send`, syncing: 'Syncing…',
    offline: `Offline — ${status.pendingOps} to send`, error: 'Sync error', attention: 'Needs attention' };
  return h('header', { className: `badge ${status.summary}` },
    h('span', { 'data-test': 'summary', 'data-summary': status.summary }, words[status.summary] ?? status.summary),
    h('button', { type: 'button', 'data-test': 'sync-now', disabled: running, onClick: () => syncNow() },
      running ? 'Syncing…' : 'Sync now'));
}

function Shelf({ products, stock, cart, setCart }) {
  const onHand = new Map(stock.map((s) => [s.id, s.data.onHand]));
  return h('ul', { className: 'shelf' }, products.map((p) => h('li', { key: p.id, 'data-sku': p.id },
    h('span', { className: 'name' }, p.data.name),
    h('span', { className: 'price' }, money(p.data.priceCents, p.data.currency)),
    h('span', { className: 'stock', 'data-test': 'on-hand' },
      onHand.has(p.id) ? String(onHand.get(p.id)) : '–'),
    h('button', { type: 'button', 'data-test': 'add', disabled: !onHand.has(p.id),
      onClick: () => setCart((c) => ({ ...c, [p.id]: (c[p.id] ?? 0) + 1 })) }, 'Add'),
    h('span', { className: 'in-cart', 'data-test': 'in-cart' }, String(cart[p.id] ?? 0)))));
}

function Receipts() {
  const sales = useRecords('sales');
  if (sales === undefined) return h('p', null, 'Loading…');
  return h('ol', { className: 'receipts', 'data-test': 'receipts' }, sales.map((s) => h('li', {
    key: s.id, 'data-id': s.id, 'data-pending': String(s.pending) },
  `${s.id.startsWith('tmp-') ? 'not sent yet' : `#${s.id}`} ${money(s.data.totalCents, s.data.currency)}`,
  s.pending ? ' (pending)' : '')));
}

/** The till: the shelf with stock levels, the cart, Sell, the receipts and the sync badge. */
export function Till({ till = 'till-1', cashier }) {
  const client = useSyncClient();
  const products = useRecords('products');
  const stock = useRecords('stock');
  const [cart, setCart] = useState({});
  const [error, setError] = useState(null);
  if (products === undefined || stock === undefined) return h('p', null, 'Loading…');
  const selling = products.filter((p) => p.data.active !== false);
  const sell = async () => {
    try {
      await recordSale(client, { till, cashier, products: selling, cart });
      setCart({});
      setError(null);
    } catch (e) {
      setError(e.message);
    }
  };
  return h('main', { className: 'till' },
    h(Badge),
    h(Shelf, { products: selling, stock, cart, setCart }),
    h('button', { type: 'button', 'data-test': 'sell', onClick: sell,
      disabled: Object.keys(cart).length === 0 }, 'Sell'),
    error && h('p', { className: 'error', 'data-test': 'error' }, error),
    h(Receipts));
}
