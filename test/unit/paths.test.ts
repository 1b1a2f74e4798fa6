import { describe, expect, it } from 'vitest';
import { shownPath as shownFromProcess } from '../../src/adapters/system/paths.js';
import { shownPath } from '../../src/core/paths.js';

describe('shownPath: how a file is named in messages', () => {
  it('is relative to the working directory when the file is below it', () => {
    expect(shownPath('/work/repo/cassettes/a.json', '/work/repo')).toBe('cassettes/a.json');
    expect(shownPath('/work/repo/cassettes/a.json', '/work/repo/')).toBe('cassettes/a.json');
    expect(shownPath('/a.json', '/')).toBe('a.json');
    expect(shownPath('C:\\repo\\cassettes\\a.json', 'C:\\repo')).toBe('cassettes\\a.json');
  });

  it('keeps the path as given when the file is not below the working directory', () => {
    expect(shownPath('/work/other/a.json', '/work/repo')).toBe('/work/other/a.json');
    // A sibling whose name starts with the directory's name is not below it.
    expect(shownPath('/work/repo-2/a.json', '/work/repo')).toBe('/work/repo-2/a.json');
    expect(shownPath('/work/repo', '/work/repo')).toBe('/work/repo');
    expect(shownPath('api.graphql', '/work/repo')).toBe('api.graphql');
  });

  it('the adapters read the process working directory and normalize first', () => {
    expect(shownFromProcess(`${process.cwd()}/x/../cassettes/a.json`)).toBe('cassettes/a.json');
    expect(shownFromProcess('/elsewhere/a.json', '/work/repo')).toBe('/elsewhere/a.json');
    expect(shownFromProcess('cassettes/a.json', '/work/repo')).toBe('cassettes/a.json');
  });
});
