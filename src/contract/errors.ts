/**
 * Every REST error (`statusCode` as the HTTP status). Never carries stack traces or driver messages,
 * so clients may show `message` as it is. Socket acks carry the same information as `AckError`.
 */
export interface ErrorBody {
  statusCode: number;
  /** The HTTP reason phrase, e.g. `Bad Request`. */
  error: string;
  /** An array when validation found several problems. */
  message: string | string[];
}
