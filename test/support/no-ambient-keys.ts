/**
 * Runs before every test file (vitest `setupFiles`): clears a developer shell's GLIDEPATH_ENCRYPTION_KEYS and
 * GLIDEPATH_ENCRYPTION_KEY_FILE. Left set, the tests' workers, clients and the CLI processes they start would encrypt
 * with that key while the shared workflow bundle (no encrypting failure converter) and the time-skipping server's
 * client (no codec) do not, and tests would fail for a reason that is not theirs. Tests about encryption pass their
 * own keys explicitly (test/support/encryption.ts).
 */
import { KEYS_VARIABLE, KEY_FILE_VARIABLE } from '../../encryption/keys';

delete process.env[KEYS_VARIABLE];
delete process.env[KEY_FILE_VARIABLE];
