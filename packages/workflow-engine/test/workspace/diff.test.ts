import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffCommits } from '../../src/workspace/diff.ts';
import { git, gitRepo } from './gitRepo.ts';

describe('diffCommits', () => {
  it('lists every changed file with its status and line counts, and gives the patches of one page of them', async () => {
    const repo = await gitRepo({
      'a.txt': 'one\ntwo\n',
      'gone.txt': 'bye\n',
      'old name.txt': 'same content for a rename\nline two\nline three\n',
    });
    const from = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'a.txt'), 'one\n2\nthree\n');
    rmSync(join(repo, 'gone.txt'));
    git(repo, 'mv', 'old name.txt', 'new name.txt');
    writeFileSync(join(repo, 'image.bin'), Buffer.from([0, 1, 2, 3, 255, 0]));
    writeFileSync(join(repo, 'new.txt'), 'fresh\n');
    git(repo, 'add', '--all');
    git(repo, 'commit', '--quiet', '-m', 'change');
    const to = git(repo, 'rev-parse', 'HEAD');

    const all = await diffCommits(repo, from, to);

    expect(
      all.files.map(({ path, oldPath, status, additions, deletions, binary }) => [
        path,
        oldPath,
        status,
        additions,
        deletions,
        binary,
      ]),
    ).toEqual([
      ['a.txt', null, 'modified', 2, 1, false],
      ['gone.txt', null, 'deleted', 0, 1, false],
      ['image.bin', null, 'added', null, null, true],
      ['new name.txt', 'old name.txt', 'renamed', 0, 0, false],
      ['new.txt', null, 'added', 1, 0, false],
    ]);
    expect([all.additions, all.deletions]).toEqual([3, 2]);
    expect(all.files[0]!.patch).toContain('-two\n+2\n+three\n');
    expect(all.files[1]!.patch).toContain('+++ /dev/null');
    expect(all.files[3]!.patch).toContain('rename from old name.txt');

    const page = await diffCommits(repo, from, to, { offset: 3, limit: 2 });
    expect(page.files).toHaveLength(5);
    expect(page.files.map((file) => file.patch !== '')).toEqual([false, false, false, true, true]);
    expect(page.files[4]!.patch).toMatch(/^diff --git a\/new\.txt b\/new\.txt\n[\s\S]*\+fresh\n$/);
  });
});
