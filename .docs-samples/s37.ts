export {};
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();