/** An error at `offset` in some source text: a template, a JSONPath, a JSON payload. */
export class SourceError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.offset = offset;
  }
}
