-- orchestrator-core's delete_workflow statement, the same names as
-- delete_ours.sql.
\set i :i + 1
DELETE FROM upstream.workflows WHERE name = 'wf_' || :client_id || '_' || :i;
