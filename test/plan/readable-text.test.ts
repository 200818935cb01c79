/** Names and reasons people read: refused with control, escape, zero-width or bidi characters, in plans and in actions. */
import { describe, expect, it } from 'vitest';
import { unreadableCharacter } from '../../plan/readable-text';
import { checkAction, checkApproval } from '../../workflows/messages';

describe('names people read', () => {
  it.each(['alice', 'Zoë Ødegaard', '山田 太郎', 'ci-bot[bot]', "o'brien", 'ops 🚀'])('%j is plain text', (name) => {
    expect(unreadableCharacter(name)).toBeUndefined();
  });

  it.each([
    ['alice\u001b[31m', /escape character/],
    ['alice\nbob', /line break/],
    ['\u202eecila', /text-direction control \(U\+202E\)/],
    ['al\u200bice', /zero-width space/],
    ['bob\u0007', /control character \(U\+0007\)/],
    ['bob\u2029', /paragraph separator/],
    ['a\u{E0041}', /invisible formatting character/],
  ])('%j is refused', (name, why) => {
    expect(unreadableCharacter(name)).toMatch(why);
  });

  it('an action with a disguised "by" or "reason" is refused before it reaches status lines', () => {
    expect(checkAction({ by: 'alice', reason: 'canary healthy' }).success).toBe(true);
    const by = checkAction({ by: 'alice\u001b[2K\rbob', reason: '' });
    expect(by.success).toBe(false);
    expect(by.error?.issues[0]).toMatchObject({ path: ['by'], message: expect.stringMatching(/"by" contains an escape character/) });
    const reason = checkApproval({ by: 'alice', reason: 'ok\u202e', gate: 'go' });
    expect(reason.error?.issues[0]).toMatchObject({ path: ['reason'], message: expect.stringMatching(/text-direction/) });
    expect(checkAction({ by: 'a'.repeat(129) }).success).toBe(false);
  });
});
