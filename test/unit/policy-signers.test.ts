/**
 * The policy's allowed signers: public keys per person, checked when the policy is read (each error names the
 * field), and handed to a run for the gates whose rule requires signed approvals.
 */
import { expect, it } from 'vitest';
import { loadPolicyFile } from '../../plan/policy-load';
import { applicablePolicy } from '../../plan/policy-resolve';
import { writeYaml } from '../policy/support';
import { makeSshKey } from '../support/ssh-keys';

const alice = makeSshKey('policy-alice');
const bob = makeSshKey('policy-bob');

function policy(name: string, doc: Record<string, unknown>) {
  return writeYaml(`${name}.yaml`, { apiVersion: 'glidepath/v1', kind: 'Policy', groups: { sre: ['alice', 'bob'] }, ...doc });
}

const signedRule = { name: 'prod', match: { environment: 'prod' }, approvals: { from: ['sre'], requireSignature: true } };

it("a run under a rule that requires signatures gets its approvers' keys; other rules' gates get none", () => {
  const file = policy('signers', {
    signers: { alice: [alice.publicLine], bob: [bob.publicLine, makeSshKey('policy-bob-2').publicLine] },
    rules: [signedRule, { name: 'staging', match: { environment: 'staging' }, approvals: { from: ['sre'] } }],
  });
  const loaded = loadPolicyFile(file);
  const prod = applicablePolicy(loaded, { service: 'payments', environment: 'prod' }, undefined, 0);
  expect(prod.approvals[0].signers?.alice).toEqual([
    { key: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/), fingerprint: alice.fingerprint },
  ]);
  expect(prod.approvals[0].signers?.bob.map((k) => k.fingerprint)).toHaveLength(2);
  // Public keys only: nothing of a private key reaches the run.
  expect(JSON.stringify(prod)).not.toMatch(/PRIVATE/);
  expect(applicablePolicy(loaded, { service: 'payments', environment: 'staging' }, undefined, 0).approvals[0].signers).toBeUndefined();
});

it.each([
  [
    'a key that is not ssh-ed25519',
    { signers: { alice: ['ssh-rsa AAAAB3NzaC1yc2E alice@laptop'], bob: [bob.publicLine] } },
    /signers\.alice\[0\]: a key of type "ssh-rsa": only ssh-ed25519 keys sign approvals/,
  ],
  [
    'a cut key',
    { signers: { alice: [alice.publicLine.slice(0, 40)], bob: [bob.publicLine] } },
    /signers\.alice\[0\]: the base64 part is not an ssh-ed25519 key/,
  ],
  [
    'a private key pasted by mistake',
    { signers: { alice: ['-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA'], bob: [bob.publicLine] } },
    /signers\.alice\[0\]: this is a private key: the policy holds public keys only/,
  ],
  [
    'one key under two names',
    { signers: { alice: [alice.publicLine], bob: [alice.publicLine] } },
    /signers\.bob\[0\]: the same key \(SHA256:\S+\) is listed for alice and bob; a key names one person/,
  ],
  [
    'an approver without a key where signatures are required',
    { signers: { alice: [alice.publicLine] } },
    /rules\[0\]\.approvals\.requireSignature: rule "prod" requires signed approvals, but bob has no key in signers/,
  ],
])('refuses %s, naming the field', (_, doc, message) => {
  const file = policy('bad-signers', { rules: [signedRule], ...doc });
  expect(() => loadPolicyFile(file)).toThrow(message);
});
