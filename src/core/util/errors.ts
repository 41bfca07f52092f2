/**
 * An error meant for a person: its message is one clear sentence that says what
 * went wrong and, where possible, what to do. The CLI prints it without a stack;
 * the extension shows it in a notification.
 */
export class SeqlabError extends Error {
  constructor(
    message: string,
    readonly code: string = 'invalid-input',
  ) {
    super(message);
    this.name = 'SeqlabError';
  }
}

export function assertPositiveInt(value: number, name: string): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new SeqlabError(`${name} must be a positive whole number, got ${value}.`);
  }
}

export function assertPositive(value: number, name: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new SeqlabError(`${name} must be a positive number, got ${value}.`);
  }
}
