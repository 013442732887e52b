import { pipeline, type StageContext } from 'weft';

async function fetchPage(url: string, ctx: StageContext) {
  ctx.emit('fetching', { url });
  return { url, body: `<h1>${url}</h1>` };                       // a real fetch would pass ctx.signal on
}
const measure = (page: { url: string; body: string }) => ({ url: page.url, size: page.body.length });
const keepSmall = (page: { url: string; size: number }) => (page.size < 30 ? page : undefined); // undefined stops the item

const crawl = pipeline([fetchPage, measure, keepSmall], { id: 'crawl', concurrency: 4 });

const { outputs } = await crawl.toWorkflow().run(['a.example', 'a-much-longer-name.example', 'b.example']);
console.log(outputs); // [[{ url: 'a.example', size: 18 }, { url: 'b.example', size: 18 }]]