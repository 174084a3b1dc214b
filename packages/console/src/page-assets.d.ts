/** The built page's files by name (written by scripts/build-page.mjs as dist/page-assets.js), so the server needs no file lookup and survives bundling. */
export declare const PAGE_FILES: Readonly<Record<string, string>>;
