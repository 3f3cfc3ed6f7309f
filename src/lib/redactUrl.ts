/**
 * A URL for logs and messages, with what may be a credential replaced by
 * `***`: the user information, every query parameter's value and the
 * fragment. Key set URLs sometimes carry an API key in the query string.
 * Text that is not a URL is returned unchanged.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (!url.username && !url.password && !url.search && !url.hash) {
    return text;
  }
  const keys = [...new Set(url.searchParams.keys())];
  const hadUserInfo = Boolean(url.username || url.password);
  url.password = '';
  url.username = hadUserInfo ? '***' : '';
  url.search = keys.map(key => `${encodeURIComponent(key)}=***`).join('&');
  url.hash = url.hash ? '***' : '';
  return url.href;
}
