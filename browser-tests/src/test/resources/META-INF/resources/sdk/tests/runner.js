// A minimal test runner for the browser SDK. Each module in `modules` exports `tests`: an object of
// name → async function (throwing fails the test). Tests run one after the other, in order; when all are done,
// window.__outpostTestResults is an array of {name, ok, error} (SdkUnitTest in browser-tests reads it).
// `?only=<text>` runs only the tests whose "module: name" contains the text. `?encryption=key|device-key|password`
// runs the store and client modules again with every store the SDK opens encrypted, `?suite=encryption` runs
// encryption.test.js (both from EncryptedStoreSuiteTest: key derivations are slow on a busy machine, and
// SdkUnitTest gives the default modules 60 s in all). `?suite=react` runs react.test.js (react.html, which loads React).

import { STORE_MODULES, Skip } from './storage.js';

let modules = ['./smoke.test.js', './merge-patch.test.js', './platform.test.js', ...STORE_MODULES];

/** A test that neither resolves nor rejects within this time fails (the Java side gives up after 60 s in all). */
const TEST_TIMEOUT_MS = 20000;

function describe(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}${error.stack ? `\n${error.stack}` : ''}`;
  return String(error);
}

function withTimeout(promise, ms, name) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function show(result) {
  const item = document.createElement('li');
  item.textContent = `${result.ok ? 'ok' : 'FAILED'} ${result.name}${result.ok ? '' : ` — ${result.error}`}`;
  item.className = result.ok ? 'ok' : 'failed';
  document.getElementById('results')?.append(item);
}


/** Makes every `LocalStore.open` without an `encryption` option open (or create) the store encrypted. */
async function encryptEveryStore(scheme) {
  const { LocalStore } = await import('/sdk/internal/store.js');
  const encryption = scheme === 'key' ? { key: await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 },
    false, ['encrypt', 'decrypt']) } : scheme === 'password' ? { password: 'the suite\'s password' } : scheme;
  const open = LocalStore.open;
  LocalStore.open = async (name, options = {}) => {
    const store = await open.call(LocalStore, name, { ...options, encryption: options.encryption ?? encryption });
    if (!store.cipher) throw new Error(`the store ${name} was opened without encryption`);
    return store;
  };
}

async function run() {
  const only = new URLSearchParams(location.search).get('only');
  const encryption = new URLSearchParams(location.search).get('encryption');
  if (encryption) {
    await encryptEveryStore(encryption);
    modules = STORE_MODULES; // they must pass on an encrypted store as on a plain one
  } else if (new URLSearchParams(location.search).get('suite') === 'encryption') {
    modules = ['./encryption.test.js'];
  } else if (new URLSearchParams(location.search).get('suite') === 'react') {
    modules = ['./react.test.js']; // react.html: React from the WebJars
  }
  const results = [];
  window.__outpostTestProgress = results;
  for (const path of modules) {
    const moduleName = path.replace(/^\.\//, '');
    let tests;
    try {
      ({ tests } = await import(path));
      if (!tests || typeof tests !== 'object') throw new Error(`${moduleName} exports no "tests" object`);
    } catch (error) {
      const result = { name: `${moduleName}: (loading the module)`, ok: false, error: describe(error) };
      results.push(result);
      show(result);
      continue;
    }
    for (const [testName, test] of Object.entries(tests)) {
      const name = `${moduleName}: ${testName}`;
      if (only && !name.includes(only)) continue;
      let result;
      try {
        await withTimeout(Promise.resolve().then(() => test()), TEST_TIMEOUT_MS, name);
        result = { name, ok: true, error: null };
      } catch (error) {
        result = error instanceof Skip ? { name, ok: true, error: null, skipped: error.message }
          : { name, ok: false, error: describe(error) };
      }
      results.push(result);
      show(result);
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  const summary = document.getElementById('summary');
  if (summary) summary.textContent = `${results.length} tests, ${failed} failed`;
  window.__outpostTestResults = results;
}

run().catch((error) => {
  window.__outpostTestResults = [{ name: 'runner', ok: false, error: describe(error) }];
});
