--
-- A fresh install of the newest version has the same shape as 1.0 updated
-- step by step to it: the same member objects, function definitions,
-- columns, constraints, indexes, privileges, initial privileges, dump
-- configuration, enum labels, comments and ledger rows.  Today a fresh
-- install runs the same chain of scripts, so the two are equal by
-- construction; this test keeps them equal when a full install script for a
-- newer version is added, or when a script behaves differently run as part
-- of CREATE EXTENSION than as an ALTER EXTENSION UPDATE.
--
-- The shape is captured by one function, as rows (kind, item) of text with
-- no OIDs, and the two captures are compared both ways: every row the
-- comparison prints is a difference.
--

-- start from nothing, whatever the tests before left behind
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS workflow_registry CASCADE;
DROP SCHEMA IF EXISTS workflow_registry CASCADE;
RESET client_min_messages;

--
-- Fresh install of the newest version.
--
CREATE EXTENSION workflow_registry;

CREATE FUNCTION pg_temp.wr_shape()
RETURNS TABLE (kind text, item text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $shape$
WITH RECURSIVE
ext AS (
    SELECT e.oid, e.extname, e.extversion, e.extrelocatable, e.extnamespace,
           e.extconfig, e.extcondition
    FROM pg_extension AS e
    WHERE e.extname = 'workflow_registry'
),
-- the objects CREATE EXTENSION and ALTER EXTENSION made members
member AS (
    SELECT d.classid, d.objid
    FROM pg_depend AS d, ext
    WHERE d.refclassid = 'pg_extension'::regclass
      AND d.refobjid = ext.oid
      AND d.deptype = 'e'
),
-- what belongs to a member: constraints, defaults, indexes, row and array
-- types, triggers, and what belongs to those; not the TOAST tables and the
-- foreign keys' internal triggers, whose names hold OIDs
sub AS (
    SELECT d.classid, d.objid, d.objsubid
    FROM pg_depend AS d
    JOIN member AS m ON d.refclassid = m.classid AND d.refobjid = m.objid
    WHERE d.deptype IN ('a', 'i')
    UNION
    SELECT d.classid, d.objid, d.objsubid
    FROM pg_depend AS d
    JOIN sub AS s ON d.refclassid = s.classid AND d.refobjid = s.objid
    WHERE d.deptype IN ('a', 'i')
),
sub_object AS (
    SELECT s.classid, s.objid, s.objsubid
    FROM sub AS s
    WHERE NOT EXISTS (SELECT FROM pg_class AS c
                      WHERE s.classid = 'pg_class'::regclass AND c.oid = s.objid
                        AND c.relnamespace = 'pg_toast'::regnamespace)
      AND NOT EXISTS (SELECT FROM pg_type AS t
                      WHERE s.classid = 'pg_type'::regclass AND t.oid = s.objid
                        AND t.typnamespace = 'pg_toast'::regnamespace)
      AND NOT EXISTS (SELECT FROM pg_trigger AS g
                      WHERE s.classid = 'pg_trigger'::regclass AND g.oid = s.objid
                        AND g.tgisinternal)
),
-- every object whose privileges, initial privileges or comment count:
-- members, their sub-objects, the columns of member relations, the schema
obj AS (
    SELECT m.classid, m.objid, 0 AS objsubid FROM member AS m
    UNION
    SELECT s.classid, s.objid, s.objsubid FROM sub_object AS s
    UNION
    SELECT 'pg_class'::regclass, a.attrelid, a.attnum
    FROM pg_attribute AS a
    JOIN member AS m ON m.classid = 'pg_class'::regclass AND m.objid = a.attrelid
    WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION
    SELECT 'pg_namespace'::regclass, ext.extnamespace, 0 FROM ext
),
rel AS (
    SELECT c.* FROM pg_class AS c
    JOIN member AS m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
),
acl AS (
    SELECT o.classid, o.objid, o.objsubid,
           CASE
               WHEN o.classid = 'pg_class'::regclass AND o.objsubid = 0 THEN
                   (SELECT c.relacl FROM pg_class AS c WHERE c.oid = o.objid)
               WHEN o.classid = 'pg_class'::regclass THEN
                   (SELECT a.attacl FROM pg_attribute AS a
                    WHERE a.attrelid = o.objid AND a.attnum = o.objsubid)
               WHEN o.classid = 'pg_proc'::regclass THEN
                   (SELECT p.proacl FROM pg_proc AS p WHERE p.oid = o.objid)
               WHEN o.classid = 'pg_type'::regclass THEN
                   (SELECT t.typacl FROM pg_type AS t WHERE t.oid = o.objid)
               WHEN o.classid = 'pg_namespace'::regclass THEN
                   (SELECT n.nspacl FROM pg_namespace AS n WHERE n.oid = o.objid)
           END AS acl
    FROM obj AS o
    WHERE o.classid IN ('pg_class'::regclass, 'pg_proc'::regclass,
                        'pg_type'::regclass, 'pg_namespace'::regclass)
)
SELECT 'extension', format('%s %s, relocatable %s, schema %s', ext.extname,
                           ext.extversion, ext.extrelocatable,
                           ext.extnamespace::regnamespace)
FROM ext
UNION ALL
SELECT 'member', pg_describe_object(m.classid, m.objid, 0)
FROM member AS m
UNION ALL
SELECT 'sub-object', pg_describe_object(s.classid, s.objid, s.objsubid)
FROM sub_object AS s
UNION ALL
SELECT 'owner', format('%s: %s', pg_describe_object(o.classid, o.objid, 0),
    CASE o.classid
        WHEN 'pg_class'::regclass THEN
            (SELECT c.relowner::regrole::text FROM pg_class AS c WHERE c.oid = o.objid)
        WHEN 'pg_proc'::regclass THEN
            (SELECT p.proowner::regrole::text FROM pg_proc AS p WHERE p.oid = o.objid)
        WHEN 'pg_type'::regclass THEN
            (SELECT t.typowner::regrole::text FROM pg_type AS t WHERE t.oid = o.objid)
        WHEN 'pg_namespace'::regclass THEN
            (SELECT n.nspowner::regrole::text FROM pg_namespace AS n WHERE n.oid = o.objid)
    END)
FROM obj AS o
WHERE o.objsubid = 0
  AND o.classid IN ('pg_class'::regclass, 'pg_proc'::regclass,
                    'pg_type'::regclass, 'pg_namespace'::regclass)
UNION ALL
-- everything CREATE FUNCTION says, one function per row
SELECT 'function', format(
    '%s(%s) RETURNS %s; kind %s, LANGUAGE %s, symbol %L in %L, %s, %s, %s, '
    'SECURITY %s, LEAKPROOF %s, PARALLEL %s, COST %s, ROWS %s, SET %s',
    p.oid::regproc, pg_get_function_arguments(p.oid),
    pg_get_function_result(p.oid), p.prokind, l.lanname, p.prosrc, p.probin,
    CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE'
                       ELSE 'VOLATILE' END,
    CASE WHEN p.proisstrict THEN 'STRICT' ELSE 'CALLED ON NULL INPUT' END,
    CASE WHEN p.proretset THEN 'SETOF' ELSE 'one row' END,
    CASE WHEN p.prosecdef THEN 'DEFINER' ELSE 'INVOKER' END,
    p.proleakproof, p.proparallel, p.procost, p.prorows, p.proconfig)
FROM pg_proc AS p
JOIN member AS m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
JOIN pg_language AS l ON l.oid = p.prolang
UNION ALL
SELECT 'relation', format(
    '%s: relkind %s, persistence %s, access method %s, options %s, '
    'row security %s/%s, replica identity %s, partition %s%s',
    c.oid::regclass, c.relkind, c.relpersistence,
    (SELECT am.amname FROM pg_am AS am WHERE am.oid = c.relam),
    c.reloptions, c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
    c.relispartition,
    CASE WHEN c.relkind IN ('v', 'm') THEN ', view ' || pg_get_viewdef(c.oid) END)
FROM rel AS c
UNION ALL
-- columns in order (their rank among the live columns), as \d shows them
SELECT 'column', format(
    '%s #%s %I %s%s%s%s%s, storage %s%s',
    a.attrelid::regclass,
    row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
    a.attname, format_type(a.atttypid, a.atttypmod),
    CASE WHEN a.attcollation <> t.typcollation
         THEN ' COLLATE ' || a.attcollation::regcollation END,
    CASE WHEN a.attnotnull THEN ' NOT NULL' END,
    CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text END,
    CASE WHEN a.attgenerated <> '' THEN ' GENERATED ' || a.attgenerated::text END,
    a.attstorage,
    ', DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid))
FROM pg_attribute AS a
JOIN rel AS c ON c.oid = a.attrelid
JOIN pg_type AS t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef AS ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', format('%s on %s: %s',
    quote_ident(co.conname),
    coalesce(co.conrelid::regclass::text, co.contypid::regtype::text),
    pg_get_constraintdef(co.oid))
FROM pg_constraint AS co
WHERE co.conrelid IN (SELECT c.oid FROM rel AS c)
   OR co.contypid IN (SELECT m.objid FROM member AS m
                      WHERE m.classid = 'pg_type'::regclass)
UNION ALL
SELECT 'index', pg_get_indexdef(i.indexrelid)
    || CASE WHEN i.indisclustered THEN ' (clustered)' ELSE '' END
    || CASE WHEN i.indisreplident THEN ' (replica identity)' ELSE '' END
FROM pg_index AS i
WHERE i.indrelid IN (SELECT c.oid FROM rel AS c)
UNION ALL
SELECT 'trigger', pg_get_triggerdef(g.oid)
FROM pg_trigger AS g
WHERE g.tgrelid IN (SELECT c.oid FROM rel AS c) AND NOT g.tgisinternal
UNION ALL
SELECT 'type', format('%s: typtype %s, base %s, not null %s, default %s',
    t.oid::regtype, t.typtype, t.typbasetype::regtype, t.typnotnull,
    t.typdefault)
FROM pg_type AS t
JOIN member AS m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
UNION ALL
-- enum labels by rank, not by enumsortorder, which ADD VALUE makes fractional
SELECT 'enum label', format('%s #%s %L', e.enumtypid::regtype,
    row_number() OVER (PARTITION BY e.enumtypid ORDER BY e.enumsortorder),
    e.enumlabel)
FROM pg_enum AS e
JOIN member AS m ON m.classid = 'pg_type'::regclass AND m.objid = e.enumtypid
UNION ALL
-- a NULL ACL is the default one, which is not the same as an empty one
SELECT 'acl', format('%s: %s',
    pg_describe_object(a.classid, a.objid, a.objsubid),
    coalesce(a.acl::text, 'default'))
FROM acl AS a
UNION ALL
SELECT 'init privs', format('%s: %s %s',
    pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
    ip.privtype, ip.initprivs)
FROM pg_init_privs AS ip
JOIN obj AS o ON (o.classid, o.objid, o.objsubid) = (ip.classoid, ip.objoid, ip.objsubid)
UNION ALL
SELECT 'config dump', format('%s %L', cfg.tab::regclass, cfg.cond)
FROM ext, unnest(ext.extconfig, ext.extcondition) AS cfg (tab, cond)
UNION ALL
SELECT 'comment', format('%s: %L',
    pg_describe_object(ds.classoid, ds.objoid, ds.objsubid), ds.description)
FROM pg_description AS ds
JOIN (SELECT o.classid, o.objid, o.objsubid FROM obj AS o
      UNION
      SELECT 'pg_extension'::regclass, ext.oid, 0 FROM ext) AS o
  ON (o.classid, o.objid, o.objsubid) = (ds.classoid, ds.objoid, ds.objsubid)
UNION ALL
-- the rows the scripts write into the ledger, without when and by whom
SELECT 'ledger', format('%s %s %L checksum %s', l.version, l.kind,
    l.description, coalesce(l.checksum, 'none'))
FROM workflow_registry.migrations AS l
$shape$;

SELECT e.extversion OPERATOR(pg_catalog.=) a.default_version AS is_newest
FROM pg_catalog.pg_extension AS e
JOIN pg_catalog.pg_available_extensions AS a ON a.name OPERATOR(pg_catalog.=) e.extname
WHERE e.extname OPERATOR(pg_catalog.=) 'workflow_registry';

CREATE TEMP TABLE fresh AS SELECT * FROM pg_temp.wr_shape();

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

--
-- 1.0, updated to the newest version.
--
CREATE EXTENSION workflow_registry VERSION '1.0';
SELECT e.extversion FROM pg_catalog.pg_extension AS e
WHERE e.extname OPERATOR(pg_catalog.=) 'workflow_registry';
ALTER EXTENSION workflow_registry UPDATE;
SELECT e.extversion OPERATOR(pg_catalog.=) a.default_version AS is_newest
FROM pg_catalog.pg_extension AS e
JOIN pg_catalog.pg_available_extensions AS a ON a.name OPERATOR(pg_catalog.=) e.extname
WHERE e.extname OPERATOR(pg_catalog.=) 'workflow_registry';

CREATE TEMP TABLE upgraded AS SELECT * FROM pg_temp.wr_shape();

-- every kind of shape was captured, so an empty capture cannot pass (there
-- are no triggers of our own yet: that kind is captured but not listed)
SELECT k.kind,
       (SELECT pg_catalog.count(*) FROM fresh AS f
        WHERE f.kind OPERATOR(pg_catalog.=) k.kind) OPERATOR(pg_catalog.>) 0 AS fresh,
       (SELECT pg_catalog.count(*) FROM upgraded AS u
        WHERE u.kind OPERATOR(pg_catalog.=) k.kind) OPERATOR(pg_catalog.>) 0 AS upgraded
FROM (VALUES (1, 'extension'), (2, 'member'), (3, 'sub-object'), (4, 'owner'),
             (5, 'function'), (6, 'relation'), (7, 'column'), (8, 'constraint'),
             (9, 'index'), (10, 'type'), (11, 'enum label'), (12, 'acl'),
             (13, 'init privs'), (14, 'config dump'), (15, 'comment'),
             (16, 'ledger')) AS k (n, kind)
ORDER BY k.n;

-- the differences, both ways: none
(SELECT 'fresh only' AS side, f.kind, f.item FROM fresh AS f
 EXCEPT ALL
 SELECT 'fresh only', u.kind, u.item FROM upgraded AS u)
UNION ALL
(SELECT 'upgraded only', u.kind, u.item FROM upgraded AS u
 EXCEPT ALL
 SELECT 'upgraded only', f.kind, f.item FROM fresh AS f)
ORDER BY 2, 3, 1;

-- the update paths; a new version or a new script shows up here
SELECT p.source, p.target, p.path
FROM pg_catalog.pg_extension_update_paths('workflow_registry') AS p
WHERE p.path IS NOT NULL
ORDER BY p.source, p.target;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
