// The till app's entry: signs in as a till, opens the store and renders the Till with the SDK's React bindings.
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { openSyncClient, signIn } from 'outpost-sync';
import { SyncClientProvider } from 'outpost-sync/react';
import { TILL_COLLECTIONS, Till } from './Till.js';

const SERVER = import.meta.env?.VITE_OUTPOST_URL ?? 'http://localhost:8080';

async function start(username, password) {
  const token = await signIn(SERVER, username, password);
  const client = await openSyncClient({
    baseUrl: SERVER, user: username, collections: TILL_COLLECTIONS,
    tokenProvider: async (refresh) => (refresh ? signIn(SERVER, username, password) : token),
  });
  createRoot(document.getElementById('root'))
    .render(h(SyncClientProvider, { client }, h(Till, { till: 'till-1', cashier: username })));
}

document.getElementById('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  event.target.hidden = true;
  start(form.get('username'), form.get('password')).catch((e) => {
    event.target.hidden = false;
    document.getElementById('problem').textContent = e.message;
  });
});
