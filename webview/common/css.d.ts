// scripts/build.mjs loads CSS as text: an import yields the stylesheet's source.
declare module '*.css' {
  const css: string;
  export default css;
}
