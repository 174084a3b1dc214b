// pnpm bench for @agent-id/http: the in-process cost of a guarded request, then a load run
// over loopback (load.js). BENCH_LOAD=0 skips the load run.
await import('./guarded-request.js');
if (process.env.BENCH_LOAD !== '0') await import('./load.js');
