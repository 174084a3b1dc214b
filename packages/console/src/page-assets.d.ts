/** The built page's files (written by scripts/build-page.mjs as dist/page-assets.js), so the server needs no file lookup and survives bundling. */
export declare const PAGE_FILES: Readonly<Record<'index.html' | 'app.js' | 'app.css', string>>;
