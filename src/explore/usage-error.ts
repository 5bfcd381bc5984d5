/**
 * A usage error of the `simloop` command (a missing module, one that exports
 * no scenario, an unknown option, a bad value): the CLI says its message in
 * one line, without a stack trace, and exits with code 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
