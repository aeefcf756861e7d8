// Makes TypeScript modules loadable (handlers, config modules, and this package's own
// sources in the repository) by registering tsx's two hooks: the ES module one for
// `import` and the CommonJS one for `require`, which a `.ts` file in a package
// without "type": "module" needs. Plain JavaScript, so that it runs before any hook.

const REGISTERED = Symbol.for('switchboard.typescriptHooks');

/**
 * Registers the hooks once per thread: registering tsx's ES module hook twice in one
 * thread breaks loading (a process started with `--import tsx` is fine: on Node 20 that
 * hook covers the main thread only, and one more registration does no harm).
 * @returns {Promise<void>}
 */
export function ensureTypeScriptHooks() {
  const scope = /** @type {Record<symbol, Promise<void> | undefined>} */ (globalThis);
  scope[REGISTERED] ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
    cjs.register();
    esm.register();
  });
  return scope[REGISTERED];
}

/**
 * Whether a file is TypeScript by its extension.
 * @param {string} file
 */
export function isTypeScriptFile(file) {
  return /\.[mc]?tsx?$/i.test(file);
}
