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
