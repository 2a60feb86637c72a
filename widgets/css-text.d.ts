// Stylesheets imported from packages arrive as text (esbuild's `text` loader
// in build.mjs and in the test runner) so they can go into a shadow root.
declare module '*.css' {
  const text: string;
  export default text;
}
