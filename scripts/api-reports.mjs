// Checks (or, with --local, rewrites) the API report of every entry point: one api-extractor config per entry
// (api-extractor*.json), all analysed in this one process over one TypeScript program instead of one process each.
import { readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const localBuild = process.argv.includes('--local');
const configs = readdirSync('.')
  .filter((file) => /^api-extractor(\.[\w-]+)?\.json$/.test(file))
  .sort()
  .map((file) => ExtractorConfig.loadFileAndPrepare(file));
const compilerState = CompilerState.create(configs[0], {
  additionalEntryPoints: configs.map((config) => config.mainEntryPointFilePath),
});
const failed = [];
for (const config of configs) {
  const result = Extractor.invoke(config, {
    localBuild,
    compilerState,
    // Said once per entry otherwise: which TypeScript api-extractor bundles.
    messageCallback: (message) => {
      if (message.messageId === 'console-preamble') message.handled = true;
    },
  });
  if (!result.succeeded) failed.push(relative('.', config.mainEntryPointFilePath));
  else if (result.apiReportChanged && localBuild) console.log(`Updated ${relative('.', config.reportFilePath)}`);
}
if (failed.length > 0) {
  console.error(`API report check failed for:\n  ${failed.join('\n  ')}\nRun "npm run api" and commit the changed etc/*.api.md if the change is intended.`);
  process.exitCode = 1;
} else console.log(`API reports: ${configs.length} entry points ${localBuild ? 'written' : 'match'}.`);
