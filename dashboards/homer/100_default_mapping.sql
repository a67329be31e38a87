-- The working correlation mapping of Homer's LOG (HEP type 100) rows.
--
-- homer-app's stock 100_default mapping uses lookup_field
-- "data_header.callid", which it pastes raw into SQL and which fails with
-- `missing FROM-clause entry for table "data_header"`. With this mapping a
-- search for one Argus session id (its HEP correlation id) also pulls in
-- that session's RTCP (type 5) and MOS (type 34, stored in the 35 table)
-- rows, and SIP calls whose Call-ID equals it.
--
-- homer-app reads mappings per request: no restart needed.
UPDATE mapping_schema
SET correlation_mapping = '[
  {"source_field":"sid","lookup_id":5,"lookup_profile":"default","lookup_field":"sid","lookup_range":[-300,200]},
  {"source_field":"sid","lookup_id":35,"lookup_profile":"default","lookup_field":"sid","lookup_range":[-300,200]},
  {"source_field":"sid","lookup_id":1,"lookup_profile":"call","lookup_field":"data_header->>''callid''","lookup_range":[-300,200]}
]'
WHERE hepid = 100 AND profile = 'default';

-- The LOG search form (fields_mapping of 100_default). homer-app 1.5
-- accepts as a search field any id listed here that is a column (sid, raw,
-- id, create_date), data_header.<key> or protocol_header.<key>, or, when the
-- id has no dot, any SQL expression: it pastes the id into the WHERE clause
-- as "<id> IN (?)" (or "<id> LIKE ?" when the value has a %) with the value
-- bound as a parameter. heplify-server indexes no key of a LOG row's JSON
-- payload (its data_header is {"node","proto"}), so the exact fields below
-- extract the value from the payload with a regular expression:
-- substring(raw from '"opaque_id":"([^"]*)"') is the first opaque_id of the
-- row (Argus writes it at the top level, before "event"); it never fails on
-- rows from other senders that are not JSON, where raw::jsonb would fail the
-- whole search. Ids must not contain "?" (the SQL layer's placeholder) or
-- "." (taken for data_header.<key>). Searching a field that is not listed
-- here is ignored by homer-app, which then returns every row of the time
-- range: apply this file before using the fields. Checked against
-- homer-app 1.5.20 (docs/OBSERVABILITY.md, "Searching Homer"):
--   * Session / room id (exact): the session_id, "room-<room id>", or with
--     the sink's correlation=opaque the opaque_id;
--   * Opaque id, Handle id, Display name, Room (exact, or % patterns);
--   * Client IP / Client port (exact): the client's transport address;
--   * Janus event JSON (RAW, ILIKE pattern): any other key, e.g.
--     %"transaction":"abc"%.
UPDATE mapping_schema
SET fields_mapping = '[
  {"id":"sid","name":"Session / room id (session_id, room-<id>, or opaque_id)","type":"string","index":"secondary","form_type":"input","position":1,"skip":false,"hide":false,"sid_type":true},
  {"id":"substring(raw from ''\"opaque_id\":\"([^\"]*)\"'')","name":"Opaque id","type":"string","index":"none","form_type":"input","position":2,"skip":false,"hide":false},
  {"id":"substring(raw from ''\"handle_id\":([0-9]+)'')","name":"Handle id","type":"string","index":"none","form_type":"input","position":3,"skip":false,"hide":false},
  {"id":"substring(raw from ''\"display\":\"([^\"]*)\"'')","name":"Display name","type":"string","index":"none","form_type":"input","position":4,"skip":false,"hide":false},
  {"id":"substring(raw from ''\"room\":\"{0,1}([^\",}]*)'')","name":"Room","type":"string","index":"none","form_type":"input","position":5,"skip":false,"hide":false},
  {"id":"protocol_header.correlation_id","name":"Correlation ID","type":"string","index":"none","form_type":"input","position":6,"skip":false,"hide":true,"sid_type":true},
  {"id":"raw","name":"Janus event JSON (pattern, e.g. %\"transaction\":\"abc\"%)","type":"string","index":"none","form_type":"input","position":7,"skip":false,"hide":false},
  {"id":"protocol_header.srcIp","name":"Client IP","type":"string","index":"none","form_type":"input","position":8,"skip":false,"hide":false},
  {"id":"protocol_header.srcPort","name":"Client port","type":"integer","index":"none","form_type":"input","position":9,"skip":false,"hide":false},
  {"id":"protocol_header.dstIp","name":"Gateway IP","type":"string","index":"none","form_type":"input","position":10,"skip":false,"hide":false},
  {"id":"protocol_header.dstPort","name":"Gateway port","type":"integer","index":"none","form_type":"input","position":11,"skip":false,"hide":false},
  {"id":"protocol_header.captureId","name":"Node","type":"string","index":"none","form_type":"input","position":12,"skip":false,"hide":true}
]'
WHERE hepid = 100 AND profile = 'default';
