--
-- A set-returning function's SQL declaration and the rows the library
-- builds for the version its C symbol stands for must have the same
-- columns.  A declaration that disagrees (a script edited by hand, a
-- symbol bound under another signature) is refused before a row is
-- written, never written past.
--
CREATE EXTENSION workflow_registry;
CREATE FUNCTION public.check_wrong(jsonb)
RETURNS TABLE (difference text, name text)
LANGUAGE C AS '$libdir/workflow_registry', 'check_code_1_8';
SELECT * FROM public.check_wrong('[]');
CREATE FUNCTION public.plan_wrong(jsonb, boolean)
RETURNS TABLE (action text, kind text, name text, key text, old_value text, new_value text, extra text)
LANGUAGE C AS '$libdir/workflow_registry', 'plan_manifest_1_8';
SELECT * FROM public.plan_wrong('{"workflows": []}', false);
-- the declarations the scripts ship agree
SELECT count(*) FROM workflow_registry."check"('[]');
SELECT count(*) FROM workflow_registry.plan('{"workflows": []}');
DROP FUNCTION public.check_wrong(jsonb), public.plan_wrong(jsonb, boolean);
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
