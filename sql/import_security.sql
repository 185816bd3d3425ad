--
-- import_orchestrator_core() runs as the extension's owner and reads
-- objects the caller names.  An attacker holding the README's writer grants
-- (EXECUTE on every function, SELECT on every table, CREATE nowhere but its
-- own temporary schema) tries every kind of object that runs code when it
-- is read, cast or compared.  None may run as anyone but the attacker, and
-- the attacker gains nothing.
--
CREATE EXTENSION workflow_registry;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;

CREATE ROLE regress_sec_attacker;
GRANT USAGE ON SCHEMA workflow_registry TO regress_sec_attacker;
GRANT SELECT ON ALL TABLES IN SCHEMA workflow_registry TO regress_sec_attacker;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA workflow_registry TO regress_sec_attacker;

-- The registry's rows, to show what was written.
CREATE FUNCTION public.sec_registry_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products_workflows AS t))
$$;
SELECT public.sec_registry_rows() AS registry \gset

-- Call the import on the caller's temporary schema, dry run and real,
-- and print the outcome with that schema's name (it varies) left out.
-- SECURITY INVOKER: it runs as whoever calls it.
CREATE FUNCTION public.sec_try_import() RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    schema name := pg_catalog.pg_my_temp_schema()::regnamespace::name;
    dry boolean;
    n bigint;
BEGIN
    FOREACH dry IN ARRAY '{true,false}'::boolean[] LOOP
        BEGIN
            SELECT pg_catalog.count(*) INTO n
            FROM workflow_registry.import_orchestrator_core(schema, dry_run => dry);
            RETURN NEXT pg_catalog.format('dry_run %s: %s rows', dry, n);
        EXCEPTION WHEN OTHERS THEN
            RETURN NEXT pg_catalog.format('dry_run %s: %s %s', dry, SQLSTATE,
                                          pg_catalog.replace(SQLERRM, schema, '<temp>'));
        END;
    END LOOP;
END
$$;

SET ROLE regress_sec_attacker;

-- The payload: says as whom it runs, and tries to become superuser.
CREATE FUNCTION pg_temp.payload() RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'payload ran as %', current_user;
    BEGIN
        ALTER ROLE regress_sec_attacker SUPERUSER;
        RAISE NOTICE 'payload made regress_sec_attacker superuser';
    EXCEPTION WHEN insufficient_privilege THEN
        NULL;
    END;
    RETURN 'User';
END
$$;

-- Tables of orchestrator-core's shape, as its DDL makes them.
CREATE FUNCTION pg_temp.make_tables(skip text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.oid::regclass AS rel, c.relkind FROM pg_catalog.pg_class AS c
             WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema()
               AND c.relname IN ('products', 'workflows', 'products_workflows')
    LOOP
        EXECUTE pg_catalog.format('DROP %s %s CASCADE',
                                  CASE r.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, r.rel);
    END LOOP;
    IF skip IS DISTINCT FROM 'products' THEN
        CREATE TEMP TABLE products (
            product_id uuid PRIMARY KEY, name varchar NOT NULL, description varchar(2000) NOT NULL,
            product_type varchar(255) NOT NULL, tag varchar(20) NOT NULL, status varchar(255) NOT NULL,
            created_at timestamptz NOT NULL DEFAULT pg_catalog.now(), end_date timestamptz);
        INSERT INTO pg_temp.products (product_id, name, description, product_type, tag, status)
        VALUES ('00000000-0000-0000-0000-0000000000a1', 'User external', 'External user', 'User', 'USER_EXT', 'active');
    END IF;
    IF skip IS DISTINCT FROM 'workflows' THEN
        CREATE TEMP TABLE workflows (
            workflow_id uuid PRIMARY KEY, name varchar NOT NULL, target varchar NOT NULL,
            description varchar(2000) NOT NULL, created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
            deleted_at timestamptz, is_task boolean NOT NULL DEFAULT false);
    END IF;
    IF skip IS DISTINCT FROM 'products_workflows' THEN
        CREATE TEMP TABLE products_workflows (product_id uuid NOT NULL, workflow_id uuid NOT NULL);
    END IF;
END
$$;

-- 1. The reported attack: a view named products whose column calls the
-- payload.
SELECT pg_temp.make_tables('products');
CREATE TEMP VIEW products AS
SELECT '00000000-0000-0000-0000-0000000000a1'::uuid AS product_id, 'User external'::varchar AS name,
       'External user'::varchar AS description, pg_temp.payload()::varchar AS product_type,
       'USER_EXT'::varchar AS tag, 'active'::varchar AS status,
       pg_catalog.now() AS created_at, NULL::timestamptz AS end_date;
SELECT * FROM public.sec_try_import();

-- 2. A view where the links table should be.
SELECT pg_temp.make_tables('products_workflows');
CREATE TEMP VIEW products_workflows AS
SELECT NULL::uuid AS product_id, NULL::uuid AS workflow_id WHERE pg_temp.payload() IS NULL;
SELECT * FROM public.sec_try_import();

-- 3. Row security: a policy that calls the payload.
SELECT pg_temp.make_tables(NULL);
ALTER TABLE pg_temp.products ENABLE ROW LEVEL SECURITY;
ALTER TABLE pg_temp.products FORCE ROW LEVEL SECURITY;
CREATE POLICY payload ON pg_temp.products USING (pg_temp.payload() IS NOT NULL);
SELECT * FROM public.sec_try_import();

-- 4. A domain with a CHECK that calls the payload, as a column's type.
SELECT pg_temp.make_tables('workflows');
CREATE DOMAIN pg_temp.checked_name AS varchar CHECK (pg_temp.payload() IS NOT NULL);
CREATE TEMP TABLE workflows (
    workflow_id uuid PRIMARY KEY, name pg_temp.checked_name NOT NULL, target varchar NOT NULL,
    description varchar(2000) NOT NULL, created_at timestamptz NOT NULL DEFAULT pg_catalog.now());
SELECT * FROM public.sec_try_import();

-- 5. A type of the attacker's own, with a cast to text and an equality
-- operator that call the payload.
SELECT pg_temp.make_tables('workflows');
CREATE TYPE pg_temp.own_target AS ENUM ('CREATE');
CREATE FUNCTION pg_temp.own_target_text(pg_temp.own_target) RETURNS text
LANGUAGE sql AS $$ SELECT pg_temp.payload() $$;
CREATE CAST (pg_temp.own_target AS text) WITH FUNCTION pg_temp.own_target_text(pg_temp.own_target) AS IMPLICIT;
CREATE FUNCTION pg_temp.own_target_eq(pg_temp.own_target, text) RETURNS boolean
LANGUAGE sql AS $$ SELECT pg_temp.payload() IS NOT NULL $$;
CREATE OPERATOR pg_temp.= (LEFTARG = pg_temp.own_target, RIGHTARG = text, FUNCTION = pg_temp.own_target_eq);
CREATE TEMP TABLE workflows (
    workflow_id uuid PRIMARY KEY, name varchar NOT NULL, target pg_temp.own_target NOT NULL,
    description varchar(2000) NOT NULL, created_at timestamptz NOT NULL DEFAULT pg_catalog.now());
INSERT INTO pg_temp.workflows (workflow_id, name, target, description)
VALUES ('00000000-0000-0000-0000-0000000000b1', 'create_user', 'CREATE', 'Create user');
SELECT * FROM public.sec_try_import();

-- 6. Inheritance: the tables of a hierarchy are read together.
SELECT pg_temp.make_tables(NULL);
CREATE TEMP TABLE products_child (extra text DEFAULT pg_temp.payload()) INHERITS (products);
SELECT * FROM public.sec_try_import();

-- 7. A partitioned table.
SELECT pg_temp.make_tables('products_workflows');
CREATE TEMP TABLE products_workflows (product_id uuid NOT NULL, workflow_id uuid NOT NULL)
PARTITION BY HASH (product_id);
SELECT * FROM public.sec_try_import();

-- 8. A column that is missing.
SELECT pg_temp.make_tables('products_workflows');
CREATE TEMP TABLE products_workflows (product_id uuid NOT NULL);
SELECT * FROM public.sec_try_import();

-- 9. Plain temporary tables of the right shape, with a default, a trigger
-- and a rule-free view beside them that would call the payload if anything
-- evaluated them: the dry run reads them and runs nothing; the import
-- takes the product, as the attacker could through create_product.
SELECT pg_temp.make_tables(NULL);
ALTER TABLE pg_temp.products ALTER COLUMN product_type SET DEFAULT pg_temp.payload();
CREATE FUNCTION pg_temp.payload_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_temp.payload(); RETURN NEW; END $$;
CREATE TRIGGER payload BEFORE INSERT OR UPDATE OR DELETE ON pg_temp.workflows
FOR EACH ROW EXECUTE FUNCTION pg_temp.payload_trigger();
SELECT * FROM public.sec_try_import();

-- 10. Temporary look-alikes of the registry's tables (PostgreSQL looks up
-- relations and types in pg_temp, never functions or operators) are never
-- written by the functions, whose search_path puts pg_temp last and whose
-- statements name every table with its schema.
SELECT pg_temp.make_tables(NULL);
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS registered;
SELECT workflow_registry.delete_workflow('create_user');
SELECT (SELECT pg_catalog.count(*) FROM pg_temp.workflows) AS temp_workflows,
       (SELECT pg_catalog.count(*) FROM pg_temp.products_workflows) AS temp_links;

RESET ROLE;

-- The attacker gained nothing, and the registry holds only the product the
-- import of case 9 took (one data migration, reverted here).
SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_auth_members AS m
        WHERE m.member OPERATOR(pg_catalog.=) r.oid) AS memberships
FROM pg_catalog.pg_roles AS r WHERE r.rolname = 'regress_sec_attacker';
SELECT name, product_type FROM workflow_registry.products ORDER BY name;
SELECT kind, state FROM workflow_registry.migration_history WHERE kind = 'data';
SELECT workflow_registry.revert_migration(version)
FROM workflow_registry.migrations WHERE kind = 'data';
SELECT public.sec_registry_rows() OPERATOR(pg_catalog.=) :'registry' AS registry_as_before;

-- A DBA's import of a schema it may read works as before: a writer granted
-- SELECT on another team's orchestrator-core tables imports them, reading
-- them with its own rights.
CREATE SCHEMA sec_oc;
-- (what the refusal says in full)
CREATE VIEW sec_oc.products AS SELECT * FROM workflow_registry.products;
CREATE TABLE sec_oc.workflows (LIKE pg_temp.workflows INCLUDING ALL);
CREATE TABLE sec_oc.products_workflows (LIKE pg_temp.products_workflows INCLUDING ALL);
SELECT * FROM workflow_registry.import_orchestrator_core('sec_oc');
DROP VIEW sec_oc.products;
CREATE TABLE sec_oc.products (LIKE pg_temp.products INCLUDING ALL);
ALTER TABLE sec_oc.workflows ALTER COLUMN target TYPE "char" USING 'C';
SELECT * FROM workflow_registry.import_orchestrator_core('sec_oc');
DROP TABLE sec_oc.products;
DROP TABLE sec_oc.workflows, sec_oc.products_workflows;
CREATE TABLE sec_oc.products (LIKE pg_temp.products INCLUDING ALL);
CREATE TABLE sec_oc.workflows (LIKE pg_temp.workflows INCLUDING ALL);
CREATE TABLE sec_oc.products_workflows (LIKE pg_temp.products_workflows INCLUDING ALL);
INSERT INTO sec_oc.products VALUES
    ('00000000-0000-0000-0000-0000000000a2', 'User partner', 'Partner user', 'User', 'USER_PART', 'active', '2020-01-01', NULL);
INSERT INTO sec_oc.workflows (workflow_id, name, target, description, created_at) VALUES
    ('00000000-0000-0000-0000-0000000000b2', 'modify_user', 'MODIFY', 'Modify user', '2020-01-01');
INSERT INTO sec_oc.products_workflows
SELECT p.product_id, w.workflow_id FROM sec_oc.products AS p, sec_oc.workflows AS w;
SET ROLE regress_sec_attacker;
SELECT * FROM workflow_registry.import_orchestrator_core('sec_oc');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT USAGE ON SCHEMA sec_oc TO regress_sec_attacker;
GRANT SELECT ON sec_oc.products, sec_oc.workflows TO regress_sec_attacker;
SET ROLE regress_sec_attacker;
-- one table the caller may not read: refused with core's own error
SELECT * FROM workflow_registry.import_orchestrator_core('sec_oc');
RESET ROLE;
GRANT SELECT ON sec_oc.products_workflows TO regress_sec_attacker;
-- column privileges are the caller's too: without one column, refused
REVOKE SELECT ON sec_oc.workflows FROM regress_sec_attacker;
GRANT SELECT (workflow_id, name, target, description, created_at, deleted_at) ON sec_oc.workflows TO regress_sec_attacker;
SET ROLE regress_sec_attacker;
SELECT * FROM workflow_registry.import_orchestrator_core('sec_oc');
RESET ROLE;
GRANT SELECT ON sec_oc.workflows TO regress_sec_attacker;
SET ROLE regress_sec_attacker;
SELECT * FROM workflow_registry.import_orchestrator_core('sec_oc', dry_run => false);
RESET ROLE;
SELECT w.name, w.target, w.product_type, w.created_at, m.applied_by
FROM workflow_registry.workflows AS w, workflow_registry.migrations AS m
WHERE m.kind = 'data' AND m.reverted_at IS NULL;

DROP SCHEMA sec_oc CASCADE;
DISCARD TEMP;
DROP FUNCTION public.sec_registry_rows(), public.sec_try_import();
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP OWNED BY regress_sec_attacker;
DROP ROLE regress_sec_attacker;
