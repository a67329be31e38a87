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

-- The LOG search form (fields_mapping of 100_default). homer-app accepts as
-- search fields only the columns (sid, raw, id, create_date) and
-- data_header.<key> / protocol_header.<key>; heplify-server indexes no key
-- of a LOG row's JSON payload (its data_header is {"node","proto"}), so
-- opaque_id, handle_id, room and display name are found this way
-- (docs/OBSERVABILITY.md, "Finding a user in Homer"):
--   * Session / room id (exact): the session_id, "room-<room id>", or with
--     the sink's correlation=opaque the opaque_id;
--   * Client IP / Client port (exact): the client's transport address;
--   * Janus event JSON (RAW, ILIKE pattern): %"opaque_id":"<id>"%,
--     %"handle_id":<id>,%, %"display":"<name>"%, %"room":<id>,%.
UPDATE mapping_schema
SET fields_mapping = '[
  {"id":"sid","name":"Session / room id (session_id, room-<id>, or opaque_id)","type":"string","index":"secondary","form_type":"input","position":1,"skip":false,"hide":false,"sid_type":true},
  {"id":"protocol_header.correlation_id","name":"Correlation ID","type":"string","index":"none","form_type":"input","position":2,"skip":false,"hide":true,"sid_type":true},
  {"id":"raw","name":"Janus event JSON (pattern: %\"opaque_id\":\"X\"%, %\"handle_id\":N,%, %\"display\":\"Name\"%)","type":"string","index":"none","form_type":"input","position":3,"skip":false,"hide":false},
  {"id":"protocol_header.srcIp","name":"Client IP","type":"string","index":"none","form_type":"input","position":4,"skip":false,"hide":false},
  {"id":"protocol_header.srcPort","name":"Client port","type":"integer","index":"none","form_type":"input","position":5,"skip":false,"hide":false},
  {"id":"protocol_header.dstIp","name":"Gateway IP","type":"string","index":"none","form_type":"input","position":6,"skip":false,"hide":false},
  {"id":"protocol_header.dstPort","name":"Gateway port","type":"integer","index":"none","form_type":"input","position":7,"skip":false,"hide":false},
  {"id":"protocol_header.captureId","name":"Node","type":"string","index":"none","form_type":"input","position":8,"skip":false,"hide":true}
]'
WHERE hepid = 100 AND profile = 'default';
