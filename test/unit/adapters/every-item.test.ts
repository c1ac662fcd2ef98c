import { everyItem } from '../../../lib/adapters/registry';

describe('everyItem', () => {
  it('follows continuation tokens to the last page, passing the page size', async () => {
    const pages: Record<string, { items: number[]; continuationToken?: string }> = {
      start: { items: [1, 2], continuationToken: 'b' },
      b: { items: [3], continuationToken: 'c' },
      c: { items: [] },
    };
    const asked: Array<{ pageSize?: number; continuationToken?: string }> = [];
    const items = await everyItem(async (page) => { asked.push(page); return pages[page.continuationToken ?? 'start']!; }, 2);
    expect(items).toEqual([1, 2, 3]);
    expect(asked).toEqual([{ pageSize: 2, continuationToken: undefined }, { pageSize: 2, continuationToken: 'b' }, { pageSize: 2, continuationToken: 'c' }]);
  });
});
