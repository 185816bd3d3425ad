-- One delete per transaction through our function, of a workflow that
-- test/bench/run registered beforehand.
\set i :i + 1
SELECT workflow_registry.delete_workflow('wf_' || :client_id || '_' || :i);
