// What the demo pages share: the element lookup, the Janus API server the
// page's query names, and the log and status lines.

/** $ returns the element with the given id. */
export const $ = (id) => document.getElementById(id);

/** params is the page's query string. */
export const params = new URLSearchParams(location.search);

/**
 * janusServer returns the Janus API URL: with ?transport=ws the WebSocket
 * transport on this host (port ?wsport=, default 8188), else HTTP long poll
 * on this origin. It shows the choice in the #transport element.
 */
export function janusServer() {
  const wsPort = params.get('wsport') || '8188';
  const useWS = params.get('transport') === 'ws';
  const server = useWS
    ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:${wsPort}/`
    : `${location.origin}/janus`;
  $('transport').textContent = useWS ? `WebSocket ${server}` : `HTTP long poll ${server}`;
  return server;
}

/** log appends a timestamped line to #log (and the browser console). */
export function log(text) {
  const line = `${new Date().toISOString().slice(11, 23)} ${text}\n`;
  $('log').textContent += line;
  console.info(line.trimEnd());
  $('log').scrollTop = $('log').scrollHeight;
}

/** status shows text in #status. */
export function status(text) { $('status').textContent = text; }
