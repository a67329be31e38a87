// Cross-check helper for hep/hepjs_test.go.
//
// Reads one JSON object on stdin:
//   {"decode": ["<hex packet>", ...], "encode": [{"rcinfo": {...}, "payload": "..."}, ...]}
// and prints one JSON object on stdout:
//   {"decoded": [<hep-js decapsulate result or false>, ...], "encoded": ["<hex packet>", ...]}
// decapsulate gives {"rcinfo": {...}, "payload": "..."}; encapsulate takes the
// payload string and the rcinfo object (hep-js field names).
'use strict';
const hep = require('hep-js');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const req = JSON.parse(input || '{}');
  const out = { decoded: [], encoded: [] };
  for (const h of req.decode || []) {
    out.decoded.push(hep.decapsulate(Buffer.from(h, 'hex')) || false);
  }
  for (const e of req.encode || []) {
    out.encoded.push(hep.encapsulate(e.payload, e.rcinfo).toString('hex'));
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});
