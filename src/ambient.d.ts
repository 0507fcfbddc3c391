/** WGSL shader files are imported as their source text (tsup `loader`, the Vite plugin in `vite.config.ts`). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}

/** wgsl-preprocessor ships no types: a template tag that resolves `#if ${cond}` / `#elif` / `#else` / `#endif`. */
declare module 'wgsl-preprocessor/wgsl-preprocessor.js' {
  export function wgsl(strings: readonly string[], ...values: unknown[]): string;
}
