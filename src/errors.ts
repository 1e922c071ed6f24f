/**
 * An expected problem caused by what the user asked for (a bad date, an unknown zone, no
 * subscription...). Its message is shown to that user, ephemerally, and says what to do; it is not
 * logged as a bug.
 */
export class UserError extends Error {
  override name = 'UserError';
}
