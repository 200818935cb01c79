/**
 * Failure messages and stack traces moved into a payload, so the codec encrypts them too (a rollback's
 * message carries approvers' reasons). The SDK loads this file by path, with require() in the worker and
 * the client and into the workflow bundle, so it is plain CommonJS and imports nothing from Node.
 */
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
