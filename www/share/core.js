// Loads the WebAssembly core once for a sharing page.
import init, * as bv from '/pkg/blindvault.js';

export const ready = init().then(() => bv);
