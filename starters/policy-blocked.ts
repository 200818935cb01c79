/** A run a policy rule refuses before it starts: the CLI exits 4 (blocked by policy) and names the rule. */
import type { PolicySubject } from '../plan/policy-resolve';

export class PolicyBlocked extends Error {
  constructor(
    readonly subject: PolicySubject,
    readonly rule: string,
    readonly reason: string,
  ) {
    super(`${subject.service}/${subject.environment}: blocked by policy rule "${rule}": ${reason}`);
    this.name = 'PolicyBlocked';
  }
}
