// Settings of `cem analyze` (run by build.mjs): dist/custom-elements.json from
// the elements' JSDoc. Every top-level widgets module (so the base element's
// attributes are found whatever it is called) and each element's own files.
export default {
  globs: ['widgets/*.ts', 'widgets/*/rt-*.ts'],
  exclude: ['widgets/*.d.ts', 'widgets/*/*.styles.ts'],
  outdir: 'dist',
  litelement: true,
  // package.json names the manifest itself; the analyzer would rewrite it on every build.
  packagejson: false,
};
