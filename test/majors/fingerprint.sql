-- What must be the same before and after a cross-major upgrade: the
-- extension's version and members, every row of the registry and of the
-- ledger, and who may do what.  Privileges are compared as aclexplode()
-- rows without MAINTAIN, which 17 adds to every table owner's privileges.
\pset pager off
SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'workflow_registry';
-- Row types and array types left out: pg_upgrade to 18 records them as
-- members of their own (CREATE EXTENSION leaves them members only through
-- their table or element type).
SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS member
FROM pg_catalog.pg_depend AS d
WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'workflow_registry')
  AND NOT (d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND EXISTS (
      SELECT FROM pg_catalog.pg_type AS t
      WHERE t.oid = d.objid AND (t.typrelid <> 0 OR t.typcategory = 'A')))
ORDER BY 1;
SELECT * FROM workflow_registry.products ORDER BY product_id;
SELECT * FROM workflow_registry.workflows ORDER BY workflow_id;
SELECT * FROM workflow_registry.products_workflows ORDER BY product_id, workflow_id;
SELECT * FROM workflow_registry.migrations ORDER BY applied_at, version;
SELECT n.nspname, a.grantee::pg_catalog.regrole, a.privilege_type
FROM pg_catalog.pg_namespace AS n, pg_catalog.aclexplode(n.nspacl) AS a
WHERE n.nspname = 'workflow_registry' ORDER BY 2, 3;
SELECT c.relname, a.grantee::pg_catalog.regrole, a.privilege_type
FROM pg_catalog.pg_class AS c,
     pg_catalog.aclexplode(pg_catalog.coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) AS a
WHERE c.relnamespace = 'workflow_registry'::pg_catalog.regnamespace AND c.relkind IN ('r', 'v')
  AND a.privilege_type <> 'MAINTAIN'
ORDER BY 1, 2, 3;
SELECT p.oid::pg_catalog.regprocedure, a.grantee::pg_catalog.regrole, a.privilege_type
FROM pg_catalog.pg_proc AS p,
     pg_catalog.aclexplode(pg_catalog.coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) AS a
WHERE p.pronamespace = 'workflow_registry'::pg_catalog.regnamespace
ORDER BY 1::pg_catalog.text, 2::pg_catalog.text, 3;
SELECT r.rolname, m.roleid::pg_catalog.regrole AS member_of
FROM pg_catalog.pg_auth_members AS m JOIN pg_catalog.pg_roles AS r ON r.oid = m.member
WHERE r.rolname LIKE 'registry\_%' ORDER BY 1, 2;
