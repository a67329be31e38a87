// What the test pages share: the log the Node test reads through
// Playwright, and the janus.js session every page starts with.
import Janus from '/node_modules/janus-gateway/npm/dist/janus.es.js';

/**
 * newLog makes window[name] an empty log and returns record(what, detail),
 * which appends a copy of detail with the time.
 */
export function newLog(name) {
  const log = [];
  window[name] = log;
  return (what, detail) => {
    log.push({ what, detail: detail === undefined ? null : JSON.parse(JSON.stringify(detail)), t: Date.now() });
  };
}

/**
 * openSession initialises janus.js (debug as Janus.init takes it) and
 * creates a session on server, recording "session" and "destroyed". It
 * calls ready(janus) once the session exists and error(err) when janus.js
 * reports a session error.
 */
export function openSession(server, debug, record, ready, error) {
  Janus.init({
    debug,
    callback: () => {
      const janus = new Janus({
        server,
        iceServers: [],
        success: () => {
          record('session', janus.getSessionId());
          ready(janus);
        },
        error,
        destroyed: () => record('destroyed'),
      });
    },
  });
}
