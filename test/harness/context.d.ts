// Values the global setup hands to every test file.
declare module 'vitest' {
  export interface ProvidedContext {
    /** DevTools endpoint of the one shared headless Chromium. */
    browserWSEndpoint: string;
    /** URL of test/browser's built page. */
    testPageUrl: string;
    /** Base URL of the built demos. */
    demoUrl: string;
    /** Why the Dawn (Node) GPU cases are skipped; empty when they run. */
    dawnSkipReason: string;
  }
}
export {};
