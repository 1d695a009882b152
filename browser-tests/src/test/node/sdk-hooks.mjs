// Module hooks (register.mjs): /sdk/tests/... is browser-tests' JS test folder, /sdk/... the browser SDK's sources,
// both ES modules (the test folder has no package.json saying so).
const ROOT = new URL('../../../../', import.meta.url);
const SDK = new URL('browser-sdk/src/main/js/', ROOT);
const TESTS = new URL('browser-tests/src/test/resources/META-INF/resources/sdk/tests/', ROOT);

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('/sdk/tests/')) {
    return { url: new URL(specifier.slice('/sdk/tests/'.length), TESTS).href, shortCircuit: true };
  }
  if (specifier.startsWith('/sdk/')) return { url: new URL(specifier.slice('/sdk/'.length), SDK).href, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url, context, next) {
  if ((url.startsWith(SDK.href) || url.startsWith(TESTS.href)) && url.endsWith('.js')) return next(url, { ...context, format: 'module' });
  return next(url, context);
}
