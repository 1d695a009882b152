// `node --import ./register.mjs`: the SDK's and the JS tests' absolute imports (/sdk/..., as the server serves them
// to the browser) resolve to their source folders.
import { register } from 'node:module';

register('./sdk-hooks.mjs', import.meta.url);
