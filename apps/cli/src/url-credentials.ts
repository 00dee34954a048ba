// `scheme://user:password@`: the password runs to the `@`; `/` or whitespace first means it was no credential.
const credentials = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]*@/gi;

/**
 * `text` with the password of every `scheme://user:password@host` URL in it masked (`user:***@`), for lines a
 * user may paste into an issue: `REDIS_URL` and `SC_API_URL` may hold credentials.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(credentials, '$1:***@');
}
