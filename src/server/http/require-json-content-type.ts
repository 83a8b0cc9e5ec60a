import { HttpError } from '../../core/http-error.js';

/**
 * Refuses a request body that does not declare `application/json` (parameters such as
 * `charset` allowed) with `415`. A browser sends `text/plain`, form and multipart bodies to any
 * origin without asking first; requiring JSON forces a CORS preflight, which a gateway that
 * lists no origin refuses, so no web page can post to it behind the operator's back.
 */
export function requireJsonContentType(request: Request): void {
  const contentType = request.headers.get('content-type');
  // What clients send, told without splitting and lower-casing it.
  if (contentType === 'application/json') return;
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw HttpError.detail(415, 'Content-Type must be application/json');
  }
}
