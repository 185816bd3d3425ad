--
-- A hostile search_path cannot make the extension call someone else's code.
--
-- An unprivileged role plants look-alikes of what the scripts and the C
-- functions' queries use (operators, functions, aggregates, types) in
-- schema public.  Each look-alike, when called, records it three ways: a row
-- in public.hostile_log (lost when the caller's transaction rolls back, as
-- on an error path), a tick of the sequence public.hostile_calls (kept even
-- then) and a WARNING, which would show in this file's expected output.
-- Then, with public first in search_path, the extension is installed,
-- every function is called on its success and error paths, and 1.0 with
-- rows in its tables is updated to the newest version; last, the functions
-- are called again without their SET search_path.  Nothing may be
-- recorded.  Positive controls at the end show that unqualified queries of
-- our own do reach the look-alikes, and that a call on an error path is
-- still counted.
--
-- Everything this file runs itself is schema-qualified, so that only a
-- missing qualification in the extension can reach a look-alike.
--

-- start from nothing, whatever the tests before left behind
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS workflow_registry CASCADE;
DROP SCHEMA IF EXISTS workflow_registry CASCADE;
RESET client_min_messages;

CREATE ROLE regress_hostile;
-- PostgreSQL 15 no longer lets everyone create in public; a database
-- upgraded from an older release, or set up carelessly, still does
GRANT CREATE ON SCHEMA public TO regress_hostile;

--
-- The look-alikes, planted by regress_hostile.
--
SET ROLE regress_hostile;

CREATE TABLE public.hostile_log (lookalike pg_catalog.text NOT NULL);
GRANT INSERT, SELECT ON public.hostile_log TO PUBLIC;
CREATE SEQUENCE public.hostile_calls;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE public.hostile_calls TO PUBLIC;

CREATE FUNCTION public.hostile_called(what pg_catalog.text)
RETURNS pg_catalog.bool
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO public.hostile_log (lookalike) VALUES (what);
    PERFORM pg_catalog.nextval('public.hostile_calls'::pg_catalog.regclass);
    RAISE WARNING 'look-alike % called', what;
    RETURN true;
END
$$;

-- Functions: one line each.  A look-alike with the same argument types as
-- pg_catalog's loses to it unless pg_catalog comes later in the path; one
-- with a closer match (varchar where pg_catalog takes text, text where it
-- takes jsonb and the argument is an untyped literal) wins regardless.
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT * FROM (VALUES
            ('now', '', 'pg_catalog.timestamptz', 'pg_catalog.now()'),
            ('clock_timestamp', '', 'pg_catalog.timestamptz', 'pg_catalog.clock_timestamp()'),
            ('statement_timestamp', '', 'pg_catalog.timestamptz', 'pg_catalog.statement_timestamp()'),
            ('gen_random_uuid', '', 'pg_catalog.uuid', 'pg_catalog.gen_random_uuid()'),
            ('char_length', 'pg_catalog.text', 'pg_catalog.int4', 'pg_catalog.char_length($1)'),
            ('char_length', 'pg_catalog.varchar', 'pg_catalog.int4', 'pg_catalog.char_length($1)'),
            ('length', 'pg_catalog.varchar', 'pg_catalog.int4', 'pg_catalog.length($1)'),
            ('lower', 'pg_catalog.varchar', 'pg_catalog.text', 'pg_catalog.lower($1)'),
            ('upper', 'pg_catalog.varchar', 'pg_catalog.text', 'pg_catalog.upper($1)'),
            ('jsonb_array_elements', 'pg_catalog.jsonb', 'SETOF pg_catalog.jsonb', 'pg_catalog.jsonb_array_elements($1)'),
            ('jsonb_array_elements', 'pg_catalog.text', 'SETOF pg_catalog.jsonb', 'pg_catalog.jsonb_array_elements($1::pg_catalog.jsonb)'),
            ('jsonb_typeof', 'pg_catalog.text', 'pg_catalog.text', 'pg_catalog.jsonb_typeof($1::pg_catalog.jsonb)'),
            ('jsonb_object_keys', 'pg_catalog.text', 'SETOF pg_catalog.text', 'pg_catalog.jsonb_object_keys($1::pg_catalog.jsonb)'),
            ('format', 'pg_catalog.text, pg_catalog.text', 'pg_catalog.text', 'pg_catalog.format($1, $2)'),
            ('md5', 'pg_catalog.varchar', 'pg_catalog.text', 'pg_catalog.md5($1)'),
            ('set_config', 'pg_catalog.text, pg_catalog.text, pg_catalog.bool', 'pg_catalog.text', 'pg_catalog.set_config($1, $2, $3)'),
            ('current_setting', 'pg_catalog.text', 'pg_catalog.text', 'pg_catalog.current_setting($1)'),
            ('pg_extension_config_dump', 'pg_catalog.regclass, pg_catalog.text', 'void', 'pg_catalog.pg_extension_config_dump($1, $2)'),
            ('texteq', 'pg_catalog.varchar, pg_catalog.text', 'pg_catalog.bool', 'pg_catalog.texteq($1, $2)')
        ) AS l (name, args, result, body)
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE sql AS %L',
            f.name, f.args, f.result,
            pg_catalog.format('SELECT public.hostile_called(%L); SELECT %s',
                              pg_catalog.format('%s(%s)', f.name,
                                  pg_catalog.replace(f.args, 'pg_catalog.', '')),
                              f.body));
    END LOOP;
END
$$;

-- Operators: one line each, over pg_catalog's operator of the same name.
DO $$
DECLARE
    o record;
    fn pg_catalog.text;
BEGIN
    FOR o IN
        SELECT l.*, pg_catalog.row_number() OVER () AS n FROM (VALUES
            ('=', 'pg_catalog.text', 'pg_catalog.text'),
            ('=', 'pg_catalog.varchar', 'pg_catalog.text'),
            ('=', 'pg_catalog.text', 'pg_catalog.varchar'),
            ('=', 'pg_catalog.varchar', 'pg_catalog.varchar'),
            ('=', 'pg_catalog.uuid', 'pg_catalog.uuid'),
            ('<>', 'pg_catalog.text', 'pg_catalog.text'),
            ('<>', 'pg_catalog.varchar', 'pg_catalog.varchar'),
            ('~', 'pg_catalog.text', 'pg_catalog.text'),
            ('~', 'pg_catalog.varchar', 'pg_catalog.text'),
            ('>=', 'pg_catalog.int4', 'pg_catalog.int4'),
            ('<=', 'pg_catalog.int4', 'pg_catalog.int4'),
            ('||', 'pg_catalog.text', 'pg_catalog.text'),
            ('->>', 'pg_catalog.jsonb', 'pg_catalog.text'),
            ('?', 'pg_catalog.jsonb', 'pg_catalog.text')
        ) AS l (op, lt, rt)
    LOOP
        fn := pg_catalog.format('hostile_op_%s', o.n);
        EXECUTE pg_catalog.format(
            'CREATE FUNCTION public.%I(%s, %s) RETURNS %s LANGUAGE sql AS %L',
            fn, o.lt, o.rt,
            CASE WHEN o.op IN ('||', '->>') THEN 'pg_catalog.text' ELSE 'pg_catalog.bool' END,
            pg_catalog.format('SELECT public.hostile_called(%L); SELECT $1 OPERATOR(pg_catalog.%s) $2',
                              pg_catalog.format('%s(%s,%s)', o.op,
                                  pg_catalog.replace(o.lt, 'pg_catalog.', ''),
                                  pg_catalog.replace(o.rt, 'pg_catalog.', '')),
                              o.op));
        EXECUTE pg_catalog.format(
            'CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.%I)',
            o.op, o.lt, o.rt, fn);
    END LOOP;
END
$$;

-- Aggregates: a call is recorded by the final function, which runs once
-- per group even over no rows.
CREATE FUNCTION public.hostile_count_step(pg_catalog.int8)
RETURNS pg_catalog.int8 LANGUAGE sql
AS $$ SELECT $1 OPERATOR(pg_catalog.+) 1 $$;
CREATE FUNCTION public.hostile_count_final(pg_catalog.int8)
RETURNS pg_catalog.int8 LANGUAGE sql
AS $$ SELECT public.hostile_called('count(*)'); SELECT $1 $$;
CREATE AGGREGATE public.count(*) (
    SFUNC = public.hostile_count_step, STYPE = pg_catalog.int8,
    FINALFUNC = public.hostile_count_final, INITCOND = '0');

CREATE FUNCTION public.hostile_string_agg_step(pg_catalog.text, pg_catalog.text, pg_catalog.text)
RETURNS pg_catalog.text LANGUAGE sql
AS $$ SELECT pg_catalog.concat_ws($3, $1, $2) $$;
CREATE FUNCTION public.hostile_string_agg_final(pg_catalog.text)
RETURNS pg_catalog.text LANGUAGE sql
AS $$ SELECT public.hostile_called('string_agg(text,text)'); SELECT $1 $$;
CREATE AGGREGATE public.string_agg(pg_catalog.text, pg_catalog.text) (
    SFUNC = public.hostile_string_agg_step, STYPE = pg_catalog.text,
    FINALFUNC = public.hostile_string_agg_final);

CREATE FUNCTION public.hostile_string_agg_v_step(pg_catalog.text, pg_catalog.varchar, pg_catalog.text)
RETURNS pg_catalog.text LANGUAGE sql
AS $$ SELECT pg_catalog.concat_ws($3, $1, $2) $$;
CREATE FUNCTION public.hostile_string_agg_v_final(pg_catalog.text)
RETURNS pg_catalog.text LANGUAGE sql
AS $$ SELECT public.hostile_called('string_agg(varchar,text)'); SELECT $1 $$;
CREATE AGGREGATE public.string_agg(pg_catalog.varchar, pg_catalog.text) (
    SFUNC = public.hostile_string_agg_v_step, STYPE = pg_catalog.text,
    FINALFUNC = public.hostile_string_agg_v_final);

-- Types: type names that are not keywords resolve through search_path; a
-- domain whose CHECK records the call stands in for each.  (Casts cannot
-- be planted: only a type's owner may create one.)
DO $$
DECLARE
    t pg_catalog.text;
BEGIN
    FOREACH t IN ARRAY '{text,uuid,jsonb,timestamptz,bool,int4,int8,name,regclass}'::pg_catalog.text[]
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE DOMAIN public.%I AS pg_catalog.%I CHECK (public.hostile_called(%L))',
            t, t, 'type ' OPERATOR(pg_catalog.||) t);
    END LOOP;
END
$$;

RESET ROLE;

-- What has been recorded so far: the log's rows, and the number of calls
-- counted by the sequence, including those of rolled back transactions.
CREATE FUNCTION pg_temp.recorded()
RETURNS TABLE (lookalike pg_catalog.text, calls pg_catalog.int8)
LANGUAGE sql
AS $$
    SELECT l.lookalike, pg_catalog.count(*)
    FROM public.hostile_log AS l
    GROUP BY l.lookalike
    UNION ALL
    SELECT '(all calls, even rolled back)',
           COALESCE(pg_catalog.pg_sequence_last_value('public.hostile_calls'::pg_catalog.regclass), 0)
    ORDER BY 1
$$;

-- An orchestrator-core registry to import, in its own schema: the shapes
-- of its tables, one product, one workflow linked to it.
CREATE SCHEMA hostile_src;
CREATE TABLE hostile_src.products (product_id pg_catalog.uuid, name pg_catalog.varchar,
    description pg_catalog.varchar, product_type pg_catalog.varchar, tag pg_catalog.varchar,
    status pg_catalog.varchar, created_at pg_catalog.timestamptz, end_date pg_catalog.timestamptz);
CREATE TABLE hostile_src.workflows (workflow_id pg_catalog.uuid, name pg_catalog.varchar,
    target pg_catalog.varchar, description pg_catalog.varchar, created_at pg_catalog.timestamptz,
    deleted_at pg_catalog.timestamptz, is_task pg_catalog.bool);
CREATE TABLE hostile_src.products_workflows (product_id pg_catalog.uuid, workflow_id pg_catalog.uuid);
INSERT INTO hostile_src.products VALUES ('00000000-0000-0000-0000-0000000000a1',
    'Imported Group', 'Group', 'ImportedGroup', 'IMPG', 'active', '2024-01-01', NULL);
INSERT INTO hostile_src.workflows VALUES ('00000000-0000-0000-0000-0000000000b1',
    'create_imported_group', 'CREATE', 'Create', '2024-01-01', NULL, false);
INSERT INTO hostile_src.products_workflows VALUES ('00000000-0000-0000-0000-0000000000a1',
    '00000000-0000-0000-0000-0000000000b1');

-- orchestrator-core's own tables to attach to, with its keys.
CREATE SCHEMA hostile_oc;
CREATE TABLE hostile_oc.products (product_id pg_catalog.uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    name pg_catalog.varchar NOT NULL UNIQUE, description pg_catalog.varchar NOT NULL,
    product_type pg_catalog.varchar NOT NULL, tag pg_catalog.varchar NOT NULL, status pg_catalog.varchar NOT NULL,
    created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(), end_date pg_catalog.timestamptz);
CREATE TABLE hostile_oc.workflows (workflow_id pg_catalog.uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    name pg_catalog.varchar NOT NULL UNIQUE, target pg_catalog.varchar NOT NULL, description pg_catalog.varchar NOT NULL,
    created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(), deleted_at pg_catalog.timestamptz,
    is_task pg_catalog.bool NOT NULL DEFAULT false);
CREATE TABLE hostile_oc.products_workflows (
    product_id pg_catalog.uuid REFERENCES hostile_oc.products ON DELETE CASCADE,
    workflow_id pg_catalog.uuid REFERENCES hostile_oc.workflows ON DELETE CASCADE,
    PRIMARY KEY (product_id, workflow_id));
CREATE TABLE hostile_oc.processes (pid pg_catalog.uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    workflow_id pg_catalog.uuid NOT NULL REFERENCES hostile_oc.workflows);
CREATE TABLE hostile_oc.subscriptions (subscription_id pg_catalog.uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    product_id pg_catalog.uuid NOT NULL REFERENCES hostile_oc.products);
INSERT INTO hostile_oc.products (name, description, product_type, tag, status)
VALUES ('Core Group', 'Group', 'CoreGroup', 'CORE', 'active');

-- The calls, in order, by phase; one line each.  pg_temp.run(phase) makes
-- every call under the session's search_path and reports "ok" or the error
-- with its detail, then goes on.
CREATE TABLE pg_temp.calls (
    phase pg_catalog.text NOT NULL,
    n pg_catalog.int4 NOT NULL,
    call pg_catalog.text NOT NULL
);
INSERT INTO pg_temp.calls (phase, n, call) VALUES
('seed 1.0', 1, $$workflow_registry.create_product('{"name": "Old Group", "description": "Group from 1.0", "product_type": "OldGroup", "tag": "OLDG"}')$$),
('seed 1.0', 2, $$workflow_registry.create_workflow('{"name": "create_old_group", "target": "CREATE", "description": "Create old group", "product_type": "OldGroup"}')$$),
('seed 1.0', 3, $$workflow_registry.create_workflow('{"name": "create_old_group", "target": "MODIFY", "description": "Create old group", "product_type": "OldGroup"}')$$),
('seed 1.0', 4, $$workflow_registry.create_workflow('{"name": "old_task", "target": "SYSTEM", "description": "Old", "product_type": "OldGroup", "is_task": true}')$$),
('register', 1, $$workflow_registry.create_product('{"name": "Hostile Group", "description": "Group", "product_type": "HostileGroup", "tag": "HGROUP"}')$$),
('register', 2, $$workflow_registry.create_product('{"name": "Hostile Group", "description": "Group", "product_type": "HostileGroup", "tag": "HGROUP"}')$$),
('register', 3, $$workflow_registry.create_product('{"name": "Hostile Group", "description": "Other", "product_type": "HostileGroup", "tag": "HGROUP"}')$$),
('register', 4, $$workflow_registry.create_product('{"name": "Hostile Other", "description": "Group", "product_type": "HostileGroup", "tag": "HOTHER", "status": "phase out"}')$$),
('register', 5, $$workflow_registry.create_product('{"name": "Hostile Bad", "description": "Group", "product_type": "HostileGroup", "tag": "HBAD", "status": "retired"}')$$),
('register', 6, $$workflow_registry.create_product('{"name": "Hostile Bad", "description": "Group", "product_type": "HostileGroup", "tag": "HBAD", "colour": "red"}')$$),
('register', 7, $$workflow_registry.create_product('[]')$$),
('register', 8, $$workflow_registry.create_product(NULL)$$),
('register', 9, $$workflow_registry.create_workflow('{"name": "create_hostile_group", "target": "CREATE", "description": "Create", "product_type": "HostileGroup"}')$$),
('register', 10, $$workflow_registry.create_workflow('{"name": "create_hostile_group", "target": "CREATE", "description": "Create", "product_type": "HostileGroup"}')$$),
('register', 11, $$workflow_registry.create_workflow('{"name": "create_hostile_group", "target": "MODIFY", "description": "Create", "product_type": "HostileGroup"}')$$),
('register', 12, $$workflow_registry.create_workflow('{"name": "modify_hostile_group", "target": "MODIFY", "description": "Modify", "product_type": "HostileGroup", "product_tag": "HGROUP"}')$$),
('register', 13, $$workflow_registry.create_workflow('{"name": "validate_hostile_group", "target": "VALIDATE", "description": "Validate", "product_type": "HostileGroup", "product_tag": "NOPE"}')$$),
('register', 14, $$workflow_registry.create_workflow('{"name": "create_nothing", "target": "CREATE", "description": "Create", "product_type": "NoSuchType"}')$$),
('register', 15, $$workflow_registry.create_workflow('{"name": "create_nothing", "target": "create", "description": "Create", "product_type": "HostileGroup"}')$$),
('register', 16, $$workflow_registry.create_workflow('{"name": "bad name", "target": "CREATE", "description": "Create", "product_type": "HostileGroup"}')$$),
('register', 17, $$workflow_registry.create_workflow('{"name": "create_nothing", "target": "CREATE", "description": "", "product_type": "HostileGroup"}')$$),
('register', 18, $$workflow_registry.create_task('{"name": "hostile_task", "description": "Task"}')$$),
('register', 19, $$workflow_registry.create_task('{"name": "hostile_task", "description": "Task"}')$$),
('register', 20, $$workflow_registry.create_task('{"name": "create_hostile_group", "description": "Task"}')$$),
('register', 21, $$workflow_registry.create_task('{"name": "hostile_task_2"}')$$),
('register', 22, $$workflow_registry.create_product('{"name": "Hostile Late", "description": "Group", "product_type": "HostileGroup", "tag": "HGROUP"}')$$),
('register', 23, $$workflow_registry.create_workflows('[{"name": "terminate_hostile_group", "target": "TERMINATE", "description": "Terminate", "product_type": "HostileGroup"}, {"name": "validate_hostile_group", "target": "VALIDATE", "description": "Validate", "product_type": "HostileGroup", "product_tag": "HOTHER"}]')$$),
('register', 24, $$workflow_registry.create_workflows('[{"name": "twice", "target": "CREATE", "description": "One", "product_type": "HostileGroup"}, {"name": "twice", "target": "CREATE", "description": "Two", "product_type": "HostileGroup"}]')$$),
('register', 25, $$workflow_registry.create_workflows('[{"name": "create_nothing", "target": "CREATE", "description": "Create", "product_type": "NoSuchType"}]')$$),
('register', 26, $$workflow_registry.create_workflows('[{"name": "create_nothing", "target": "CREATE", "description": "Create", "product_type": "HostileGroup", "product_tag": "NOPE"}]')$$),
('register', 27, $$workflow_registry.create_workflows('{}')$$),
('register', 28, $$workflow_registry.apply_migration('2024-01-hostile', 'Hostile migration', '[{"create_product": {"name": "Hostile Migrated", "description": "Group", "product_type": "HostileGroup", "tag": "HMIG"}}, {"create_workflow": {"name": "migrate_hostile_group", "target": "MODIFY", "description": "Migrate", "product_type": "HostileGroup"}}, {"update_workflow": {"name": "create_hostile_group", "description": "Create, changed"}}, {"delete_workflow": "validate_hostile_group"}]')$$),
('register', 29, $$workflow_registry.apply_migration('2024-01-hostile', 'Hostile migration', '[{"create_product": {"name": "Hostile Migrated", "description": "Group", "product_type": "HostileGroup", "tag": "HMIG"}}, {"create_workflow": {"name": "migrate_hostile_group", "target": "MODIFY", "description": "Migrate", "product_type": "HostileGroup"}}, {"update_workflow": {"name": "create_hostile_group", "description": "Create, changed"}}, {"delete_workflow": "validate_hostile_group"}]')$$),
('register', 30, $$workflow_registry.apply_migration('2024-01-hostile', 'Hostile migration', '[{"delete_workflow": "migrate_hostile_group"}]')$$),
('register', 31, $$workflow_registry.apply_migration('2024-02-hostile', 'Needs a missing one', '[]', '{2024-99-missing}')$$),
('register', 32, $$workflow_registry.apply_migration('1.9', 'Looks like the extension', '[]')$$),
('register', 33, $$workflow_registry.apply_migration('2024-02-hostile', 'Bad step', '[{"drop_everything": true}]')$$),
('register', 34, $$workflow_registry.apply_migration('2024-02-hostile', 'Second', '[{"delete_workflow": "migrate_hostile_group"}, {"delete_product": "Hostile Migrated"}]', '{2024-01-hostile}')$$),
('register', 35, $$workflow_registry.revert_migration('2024-01-hostile')$$),
('register', 36, $$workflow_registry.revert_migration('2024-99-missing')$$),
('register', 37, $$workflow_registry.revert_migration('1.0')$$),
('register', 38, $$workflow_registry.plan('{"workflows": [{"name": "create_hostile_group", "target": "CREATE", "description": "Create", "product_type": "HostileGroup"}], "products": [{"name": "Hostile Planned", "description": "Group", "product_type": "HostileGroup", "tag": "HPLAN"}]}', true)$$),
('register', 39, $$workflow_registry.sync('{"workflows": [{"name": "sync_hostile_group", "target": "MODIFY", "description": "Synced", "product_type": "HostileGroup", "product_tag": "HGROUP"}], "tasks": [{"name": "hostile_sync_task", "description": "Task"}]}', '2024-03-hostile')$$),
('register', 40, $$workflow_registry.plan('{"workflows": [{"name": "create_nothing", "target": "CREATE", "description": "X", "product_type": "NoSuchType"}]}')$$),
('register', 41, $$workflow_registry.check('["create_hostile_group", {"name": "modify_hostile_group", "target": "MODIFY"}, "not_there"]')$$),
('register', 42, $$workflow_registry.check('[{"name": "create_hostile_group", "target": "create"}]')$$),
('register', 43, $$workflow_registry.import_orchestrator_core('hostile_src')$$),
('register', 44, $$workflow_registry.import_orchestrator_core('hostile_src', false)$$),
('register', 45, $$workflow_registry.import_orchestrator_core('no_such_schema')$$),
('register', 46, $$workflow_registry.valid_workflow_row('create_hostile_group', 'Create', 'HostileGroup', NULL, false, false)$$),
('register', 47, $$workflow_registry.valid_workflow_row('not an identifier', '', NULL, 'TAG', false, false)$$),
('delete', 1, $$workflow_registry.revert_migration('2024-02-hostile')$$),
('delete', 2, $$workflow_registry.revert_migration('2024-01-hostile')$$),
('delete', 3, $$workflow_registry.delete_workflow('no_such_workflow')$$),
('delete', 4, $$workflow_registry.delete_workflow('no_such_workflow', true)$$),
('delete', 5, $$workflow_registry.delete_workflow(NULL)$$),
('delete', 6, $$workflow_registry.delete_workflow('hostile_task', NULL)$$),
('delete', 7, $$workflow_registry.delete_product('No Such Product')$$),
('delete', 8, $$workflow_registry.delete_product(NULL)$$),
('delete', 9, $$workflow_registry.delete_workflow('create_hostile_group')$$),
('delete', 10, $$workflow_registry.delete_workflow('modify_hostile_group', if_exists => true)$$),
('delete', 11, $$workflow_registry.delete_workflow('hostile_task')$$),
('delete', 12, $$workflow_registry.delete_workflow('terminate_hostile_group')$$),
('delete', 13, $$workflow_registry.delete_workflow('validate_hostile_group')$$),
('delete', 14, $$workflow_registry.delete_product('Hostile Group')$$),
('delete', 15, $$workflow_registry.delete_product('Hostile Other')$$),
('delete', 16, $$workflow_registry.delete_product('Hostile Late')$$),
('delete', 17, $$workflow_registry.delete_product('Hostile Late')$$),
('attach', 1, $$workflow_registry.delete_workflow('create_imported_group', true)$$),
('attach', 2, $$workflow_registry.delete_product('Imported Group')$$),
('attach', 3, $$workflow_registry.delete_workflow('create_old_group', true)$$),
('attach', 4, $$workflow_registry.delete_workflow('old_task', true)$$),
('attach', 5, $$workflow_registry.delete_product('Old Group')$$),
('attach', 6, $$workflow_registry.delete_workflow('hostile_sync_task', true)$$),
('attach', 7, $$workflow_registry.delete_workflow('sync_hostile_group', true)$$),
('attach', 8, $$workflow_registry.attach_orchestrator_core('hostile_oc')$$),
('attach', 9, $$workflow_registry.attach_orchestrator_core('hostile_oc')$$),
('attach', 10, $$workflow_registry.create_workflow('{"name": "create_core_group", "target": "CREATE", "description": "Create", "product_type": "CoreGroup"}')$$),
('attach', 11, $$workflow_registry.create_workflow('{"name": "create_core_group", "target": "CREATE", "description": "Create", "product_type": "CoreGroup"}')$$),
('attach', 12, $$workflow_registry.create_workflow('{"name": "create_core_group", "target": "MODIFY", "description": "Create", "product_type": "CoreGroup"}')$$),
('attach', 13, $$workflow_registry.create_workflow('{"name": "create_nothing", "target": "CREATE", "description": "Create", "product_type": "NoSuchType"}')$$),
('attach', 14, $$workflow_registry.create_task('{"name": "core_task", "description": "Task"}')$$),
('attach', 15, $$workflow_registry.create_product('{"name": "Core Late", "description": "Group", "product_type": "CoreGroup", "tag": "LATE"}')$$),
('attach', 16, $$workflow_registry.create_workflows((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', 'bulk_core_' OPERATOR(pg_catalog.||) i::pg_catalog.text, 'target', 'CREATE', 'description', 'Bulk', 'product_type', CASE WHEN i OPERATOR(pg_catalog.=) 1001 THEN 'NoSuchType' ELSE 'CoreGroup' END) ORDER BY i) FROM pg_catalog.generate_series(1, 1001) AS i))$$),
('attach', 17, $$workflow_registry.valid_target('CREATE')$$),
('attach', 18, $$workflow_registry.link_new_product()$$),
('attach', 19, $$workflow_registry.delete_product('Core Late')$$),
('attach', 20, $$workflow_registry.delete_workflow('core_task')$$),
('attach', 21, $$workflow_registry.delete_workflow('create_core_group')$$),
('attach', 22, $$workflow_registry.detach_orchestrator_core()$$),
('attach', 23, $$workflow_registry.detach_orchestrator_core()$$),
('attach', 24, $$workflow_registry.valid_attached_workflow('CoreGroup', NULL, false)$$);

CREATE FUNCTION pg_temp.run(which pg_catalog.text)
RETURNS TABLE (n pg_catalog.int4, outcome pg_catalog.text, detail pg_catalog.text)
LANGUAGE plpgsql
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT k.n, k.call FROM pg_temp.calls AS k
        WHERE k.phase OPERATOR(pg_catalog.=) which
        ORDER BY k.n
    LOOP
        n := c.n;
        detail := NULL;
        BEGIN
            EXECUTE pg_catalog.format('SELECT %s', c.call);
            outcome := 'ok';
        EXCEPTION WHEN OTHERS THEN
            outcome := pg_catalog.format('ERROR %s: %s', SQLSTATE, SQLERRM);
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        END;
        RETURN NEXT;
    END LOOP;
END
$$;

--
-- Part 1: install the newest version and use it, with public first in
-- search_path as written by a careless user, then with pg_catalog moved
-- last, which lets even exact look-alikes win over pg_catalog's.
--
SET search_path = public, workflow_registry;
CREATE EXTENSION workflow_registry;
SELECT * FROM pg_temp.recorded();

-- every function of the newest version has calls in the list: none missing
SELECT p.proname AS function_without_calls
FROM pg_catalog.pg_proc AS p
WHERE p.pronamespace OPERATOR(pg_catalog.=) 'workflow_registry'::pg_catalog.regnamespace
  AND NOT EXISTS (
      SELECT FROM pg_temp.calls AS c
      WHERE pg_catalog.strpos(c.call, pg_catalog.format('workflow_registry.%s(', p.proname))
            OPERATOR(pg_catalog.>) 0)
ORDER BY p.proname::pg_catalog.text;

-- The registry's rows, to show the calls did their work; created now that
-- the tables exist.
CREATE FUNCTION pg_temp.registry()
RETURNS TABLE (workflow pg_catalog.text, target pg_catalog.text,
               is_task pg_catalog.bool, linked_products pg_catalog.text)
LANGUAGE sql
AS $$
    SELECT w.name::pg_catalog.text, w.target::pg_catalog.text, w.is_task,
           pg_catalog.string_agg(p.name::pg_catalog.text, ', '::pg_catalog.text
                                 ORDER BY p.name::pg_catalog.text)
    FROM workflow_registry.workflows AS w
    LEFT JOIN workflow_registry.products_workflows AS pw ON pw.workflow_id OPERATOR(pg_catalog.=) w.workflow_id
    LEFT JOIN workflow_registry.products AS p ON p.product_id OPERATOR(pg_catalog.=) pw.product_id
    GROUP BY w.name, w.target, w.is_task
    ORDER BY w.name::pg_catalog.text
$$;

SELECT * FROM pg_temp.run('register');
SELECT * FROM pg_temp.registry();
SELECT * FROM pg_temp.run('delete');
SELECT * FROM pg_temp.run('attach');
SELECT * FROM pg_temp.registry();
SELECT * FROM pg_temp.recorded();

-- (A kept plan whose search_path no longer matches is parsed again, so
-- the C functions' statements see this path too, were they not protected
-- by their own SET search_path.)
SET search_path = public, workflow_registry, pg_catalog;
SELECT * FROM pg_temp.run('register');
SELECT * FROM pg_temp.run('delete');
SELECT * FROM pg_temp.run('attach');
SELECT * FROM pg_temp.registry();
SELECT * FROM pg_temp.recorded();

--
-- Part 2: install 1.0, give it rows, and update it to the newest version,
-- all with pg_catalog last, still; the update scripts add enum labels,
-- columns and constraints that are checked against the rows.
--
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
CREATE EXTENSION workflow_registry VERSION '1.0';
SELECT * FROM pg_temp.run('seed 1.0');
ALTER EXTENSION workflow_registry UPDATE;
SELECT e.extversion OPERATOR(pg_catalog.=) a.default_version AS is_newest
FROM pg_catalog.pg_extension AS e
JOIN pg_catalog.pg_available_extensions AS a ON a.name OPERATOR(pg_catalog.=) e.extname
WHERE e.extname OPERATOR(pg_catalog.=) 'workflow_registry'::pg_catalog.name;
SELECT * FROM pg_temp.run('register');
SELECT * FROM pg_temp.registry();
SELECT * FROM pg_temp.run('delete');
SELECT * FROM pg_temp.run('attach');
SELECT * FROM pg_temp.registry();

--
-- Part 3: the C functions' statements are qualified in themselves.  With
-- the functions' own SET search_path removed, so that the statements are
-- parsed under the hostile path, they still reach nothing.
--
DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT d.objid FROM pg_catalog.pg_depend AS d
        JOIN pg_catalog.pg_extension AS e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
        WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
          AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
          AND d.deptype OPERATOR(pg_catalog.=) 'e'
          AND e.extname OPERATOR(pg_catalog.=) 'workflow_registry'::pg_catalog.name
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s RESET search_path', f);
    END LOOP;
END
$$;
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 AS has_functions,
       pg_catalog.count(p.proconfig) AS functions_with_set
FROM pg_catalog.pg_proc AS p
WHERE p.pronamespace OPERATOR(pg_catalog.=) 'workflow_registry'::pg_catalog.regnamespace;
SELECT * FROM pg_temp.run('register');
SELECT * FROM pg_temp.run('delete');
SELECT * FROM pg_temp.run('attach');
SELECT * FROM pg_temp.registry();

-- nothing recorded: the extension never reached a look-alike
SELECT * FROM pg_temp.recorded();

--
-- Positive controls: the look-alikes work.  An unqualified query of our
-- own, under the careless search_path, compares a varchar column with an
-- untyped literal and is sent to public.=(varchar,varchar) ...
--
SET search_path = public, workflow_registry;
SELECT p.name FROM workflow_registry.products AS p WHERE p.tag = 'OLDG';
SELECT * FROM pg_temp.recorded();

-- ... and one that fails after reaching public.char_length(varchar) loses
-- its log row with its transaction, but is still counted and warned about.
SELECT char_length(p.name) OPERATOR(pg_catalog./) 0 FROM workflow_registry.products AS p;
SELECT * FROM pg_temp.recorded();

-- With pg_catalog last, even look-alikes with pg_catalog's exact
-- signatures win: an aggregate, functions and a type name.
SET search_path = public, workflow_registry, pg_catalog;
SELECT (SELECT count(*) FROM workflow_registry.products) AS products,
       now() IS NOT NULL AS now, gen_random_uuid() IS NOT NULL AS uuid,
       'x'::text AS text;
SELECT * FROM pg_temp.recorded();

RESET search_path;
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA hostile_src, hostile_oc CASCADE;
DROP OWNED BY regress_hostile;
DROP ROLE regress_hostile;
