--
-- Fuzzing: hostile jsonb for every function that takes a definition.
--
-- A deterministic generator (no random(): choices come from md5 of a
-- counter) builds well over 500 inputs per function from one valid input:
-- every key (and array item) set to every hostile value, keys left out,
-- unknown keys, the whole input replaced by scalars and arrays, duplicate
-- keys, md5-chosen mixes of all of these, and valid inputs in between.
-- Each input runs in its own subtransaction; an error is recorded with its
-- SQLSTATE, a success is checked against what it registered and then
-- rolled back, so every input meets the same registry.  No input may end
-- in an internal error (class XX) or leave anything behind.
--
-- A new function is one more row in fuzz_function.
--

-- a registry of our own, whatever the tests before left behind
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS workflow_registry CASCADE;
RESET client_min_messages;
CREATE EXTENSION workflow_registry;

-- the seed example: 3 products, 6 workflows, 9 links
SELECT pg_catalog.count(workflow_registry.create_product(p)) AS products
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"},
    {"name": "User external", "description": "External user",  "product_type": "User",      "tag": "USER_EXT"}
]') AS p;
SELECT pg_catalog.count(workflow_registry.create_workflow(w)) AS workflows
FROM pg_catalog.jsonb_array_elements('[
    {"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"},
    {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"},
    {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"},
    {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"},
    {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"},
    {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}
]') AS w;

--
-- The functions under test, one row each (a function may have several
-- rows, e.g. one for its whole argument and one for an item of it).
-- "call" runs the function on $1, the input; "valid" is an input it
-- accepts, with every key it knows; "variants" are merged into "valid"
-- (objects: keys replaced; arrays: items appended) for more inputs that
-- should pass; "check_sql" is true when what a success registered ($2, the
-- result as text) carries the input's values, e.g. every key of the input
-- equals the column of the same name.
--
CREATE TEMP TABLE fuzz_function (
    fn       text PRIMARY KEY,
    call     text NOT NULL,
    valid    jsonb NOT NULL,
    variants jsonb NOT NULL,
    check_sql text NOT NULL
);
INSERT INTO fuzz_function VALUES
('create_workflow',
 'SELECT workflow_registry.create_workflow($1)::pg_catalog.text',
 '{"name": "fuzz_workflow", "target": "RECONCILE", "description": "Fuzz workflow",
   "product_type": "User", "is_task": false, "product_tag": "USER_INT"}',
 '[{"target": "CREATE"}, {"target": "MODIFY"}, {"target": "TERMINATE"}, {"target": "SYSTEM"},
   {"target": "VALIDATE"}, {"is_task": true}, {"product_tag": "USER_EXT"},
   {"product_type": "UserGroup", "product_tag": "GROUP"},
   {"description": "Fuzz \"workflow\"\\ \t\n été 😀"}]',
 'SELECT pg_catalog.count(*) = 1 FROM workflow_registry.workflows AS w
  WHERE w.workflow_id = $2::pg_catalog.uuid
    AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_each_text($1) AS e
                    WHERE e.value IS DISTINCT FROM pg_catalog.to_jsonb(w) ->> e.key)'),
('create_task',
 'SELECT workflow_registry.create_task($1)::pg_catalog.text',
 '{"name": "fuzz_task", "description": "Fuzz task"}',
 '[{"name": "_"}, {"name": "Task_2"}, {"description": "Fuzz \"task\"\\ \t\n été 😀"}]',
 'SELECT pg_catalog.count(*) = 1 FROM workflow_registry.workflows AS w
  WHERE w.workflow_id = $2::pg_catalog.uuid
    AND w.is_task AND w.target = ''SYSTEM''
    AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_each_text($1) AS e
                    WHERE e.value IS DISTINCT FROM pg_catalog.to_jsonb(w) ->> e.key)'),
('create_workflows',
 'SELECT pg_catalog.count(*)::pg_catalog.text FROM workflow_registry.create_workflows($1)',
 '[{"name": "fuzz_workflow", "target": "RECONCILE", "description": "Fuzz workflow",
    "product_type": "User", "is_task": false, "product_tag": "USER_INT"},
   {"name": "fuzz_task_like", "target": "SYSTEM", "description": "Fuzz task-like workflow",
    "product_type": "UserGroup", "is_task": true}]',
 '[{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"},
   {"name": "fuzz_workflow", "target": "RECONCILE", "description": "Fuzz workflow",
    "product_type": "User", "is_task": false, "product_tag": "USER_INT"}]',
 'SELECT NOT EXISTS (SELECT FROM pg_catalog.jsonb_array_elements($1) AS i
                     WHERE NOT EXISTS (SELECT FROM workflow_registry.workflows AS w
                                       WHERE w.name = i ->> ''name''
                                         AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_each_text(i) AS e
                                                         WHERE e.value IS DISTINCT FROM pg_catalog.to_jsonb(w) ->> e.key)))'),
('create_workflows item',
 'SELECT pg_catalog.string_agg(c.workflow_id::pg_catalog.text, '','')
  FROM workflow_registry.create_workflows(pg_catalog.jsonb_build_array($1)) AS c',
 '{"name": "fuzz_workflow", "target": "RECONCILE", "description": "Fuzz workflow",
   "product_type": "User", "is_task": false, "product_tag": "USER_INT"}',
 '[{"target": "CREATE"}, {"is_task": true}, {"product_type": "UserGroup", "product_tag": "GROUP"}]',
 'SELECT pg_catalog.count(*) = 1 FROM workflow_registry.workflows AS w
  WHERE w.workflow_id = $2::pg_catalog.uuid
    AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_each_text($1) AS e
                    WHERE e.value IS DISTINCT FROM pg_catalog.to_jsonb(w) ->> e.key)'),
('apply_migration',
 'SELECT workflow_registry.apply_migration(''fuzz_steps'', ''Fuzz migration'', $1)::pg_catalog.text',
 '[{"create_product": {"name": "Fuzz product", "description": "Fuzz product", "product_type": "User",
                       "tag": "FUZZ", "status": "phase out"}},
   {"create_workflow": {"name": "fuzz_workflow", "target": "RECONCILE", "description": "Fuzz workflow",
                        "product_type": "User", "is_task": false, "product_tag": "FUZZ"}},
   {"create_task": {"name": "fuzz_task", "description": "Fuzz task"}},
   {"update_workflow": {"name": "create_user", "description": "Create a user"}},
   {"delete_workflow": "modify_user"},
   {"delete_product": "User external"}]',
 '[{"create_task": {"name": "fuzz_task_2", "description": "Fuzz task 2"}},
   {"update_workflow": {"name": "terminate_user", "target": "TERMINATE", "product_tag": "USER_INT"}}]',
 'SELECT pg_catalog.count(*) = 1 FROM workflow_registry.migrations AS m
  WHERE m.version = ''fuzz_steps'' AND m.kind = ''data'' AND m.reverted_at IS NULL'),
('apply_migration create_workflow step',
 'SELECT workflow_registry.apply_migration(''fuzz_step'', ''Fuzz migration'',
      pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(''create_workflow'', $1)))::pg_catalog.text',
 '{"name": "fuzz_workflow", "target": "RECONCILE", "description": "Fuzz workflow",
   "product_type": "User", "is_task": false, "product_tag": "USER_INT"}',
 '[{"target": "CREATE"}, {"is_task": true}, {"product_type": "UserGroup", "product_tag": "GROUP"}]',
 'SELECT pg_catalog.count(*) = 1 FROM workflow_registry.workflows AS w
  WHERE w.name = $1 ->> ''name''
    AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_each_text($1) AS e
                    WHERE e.value IS DISTINCT FROM pg_catalog.to_jsonb(w) ->> e.key)
    AND EXISTS (SELECT FROM workflow_registry.migrations AS m
                WHERE m.version = ''fuzz_step'' AND m.kind = ''data'')'),
('apply_migration update_workflow step',
 'SELECT workflow_registry.apply_migration(''fuzz_step'', ''Fuzz migration'',
      pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(''update_workflow'', $1)))::pg_catalog.text',
 '{"name": "create_user", "target": "MODIFY", "description": "Create a user",
   "product_type": "User", "is_task": false, "product_tag": "USER_INT"}',
 '[{"target": "RECONCILE"}, {"is_task": true}, {"product_type": "UserGroup", "product_tag": "GROUP"}]',
 'SELECT pg_catalog.count(*) = 1 FROM workflow_registry.workflows AS w
  WHERE w.name = $1 ->> ''name''
    AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_each_text($1) AS e
                    WHERE e.value IS DISTINCT FROM pg_catalog.to_jsonb(w) ->> e.key)
    AND EXISTS (SELECT FROM workflow_registry.migrations AS m
                WHERE m.version = ''fuzz_step'' AND m.kind = ''data'')'),
('plan',
 'SELECT pg_catalog.count(*)::pg_catalog.text FROM workflow_registry.plan($1)',
 '{"workflows": [{"name": "fuzz_workflow", "target": "RECONCILE", "description": "Fuzz workflow",
                  "product_type": "User", "is_task": false, "product_tag": "USER_INT"},
                 {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}],
   "tasks": [{"name": "fuzz_task", "description": "Fuzz task"}],
   "products": [{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"},
                {"name": "Fuzz product", "description": "Fuzz product", "product_type": "User", "tag": "FUZZ"}]}',
 '[]',
 'SELECT true'),
('plan workflow item',
 'SELECT pg_catalog.count(*)::pg_catalog.text
  FROM workflow_registry.plan(pg_catalog.jsonb_build_object(''workflows'', pg_catalog.jsonb_build_array($1)))',
 '{"name": "fuzz_workflow", "target": "RECONCILE", "description": "Fuzz workflow",
   "product_type": "User", "is_task": false, "product_tag": "USER_INT"}',
 '[{"target": "CREATE"}, {"is_task": true}]',
 'SELECT true'),
('sync',
 'SELECT pg_catalog.count(*)::pg_catalog.text FROM workflow_registry.sync($1, ''fuzz_sync'')',
 '{"workflows": [{"name": "fuzz_workflow", "target": "RECONCILE", "description": "Fuzz workflow",
                  "product_type": "User", "is_task": false, "product_tag": "USER_INT"},
                 {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}],
   "tasks": [{"name": "fuzz_task", "description": "Fuzz task"}],
   "products": [{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"},
                {"name": "Fuzz product", "description": "Fuzz product", "product_type": "User", "tag": "FUZZ"}]}',
 '[]',
 'SELECT ($2::pg_catalog.int8 = 0) = NOT EXISTS (SELECT FROM workflow_registry.migrations AS m
                                                  WHERE m.version = ''fuzz_sync'' AND m.kind = ''data'')'),
('sync product item',
 'SELECT pg_catalog.count(*)::pg_catalog.text
  FROM workflow_registry.sync(pg_catalog.jsonb_build_object(''workflows'', ''[]''::pg_catalog.jsonb,
                                                            ''products'', pg_catalog.jsonb_build_array($1)),
                              ''fuzz_sync'', true)',
 '{"name": "Fuzz product", "description": "Fuzz product", "product_type": "User", "tag": "FUZZ",
   "status": "phase out"}',
 '[{"status": "active"}, {"product_type": "NewType"}]',
 'SELECT pg_catalog.count(*) = 1 FROM workflow_registry.products AS p
  WHERE p.name = $1 ->> ''name''
    AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_each_text($1) AS e
                    WHERE e.value IS DISTINCT FROM pg_catalog.to_jsonb(p) ->> e.key)'),
('check',
 'SELECT pg_catalog.count(*)::pg_catalog.text FROM workflow_registry."check"($1)',
 '["create_user", {"name": "modify_user", "target": "MODIFY"}, {"name": "fuzz_workflow", "target": "RECONCILE"}]',
 '["terminate_user", {"name": "create_user_group", "target": "CREATE"}]',
 'SELECT true'),
('create_product',
 'SELECT workflow_registry.create_product($1)::pg_catalog.text',
 '{"name": "Fuzz product", "description": "Fuzz product", "product_type": "User",
   "tag": "FUZZ", "status": "phase out"}',
 '[{"status": "active"}, {"status": "pre production"}, {"status": "end of life"},
   {"product_type": "NewType"}, {"name": "Fuzz \"product\" été 😀"}]',
 'SELECT pg_catalog.count(*) = 1 FROM workflow_registry.products AS p
  WHERE p.product_id = $2::pg_catalog.uuid
    AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_each_text($1) AS e
                    WHERE e.value IS DISTINCT FROM pg_catalog.to_jsonb(p) ->> e.key)');

--
-- Hostile values, each tried at every key, as an unknown key's value and
-- as the whole input.  jsonb itself rejects \u0000, lone surrogates and
-- numbers beyond numeric's range, so those are not inputs to our
-- functions.  Nesting: jsonb's parser recurses, and with the default
-- max_stack_depth of 2MB it gives up between 12000 and 14000 levels here;
-- 10000 stays clear of that.
--
CREATE TEMP TABLE fuzz_value (vid int PRIMARY KEY, v jsonb NOT NULL);
INSERT INTO fuzz_value
SELECT ord, v FROM pg_catalog.unnest(ARRAY[
    -- JSON null, booleans, numbers at the limits
    'null', 'true', 'false', '0', '-0', '0.0', '-0.0', '1', '-1', '0.5',
    '1e308', '-1e308', '1.7976931348623157e308', '1e-400', '-1e-400', '1e1000',
    '2147483648', '-9223372036854775809', '123456789012345678901234567890.123456789',
    -- strings: empty, blank, control characters and escapes
    '""', '" "', '"x"', '"\t"', '"\n"', '"\u0001"', '"\u001f\u007f"', '"\"\\\/\b\f\n\r\t"',
    -- unicode: accents, emoji (raw and as a surrogate pair), combining mark,
    -- zero width space, right-to-left override, BOM, a noncharacter
    '"été"', '"😀"', '"\ud83d\ude00"', '"e\u0301"', '"\u200b"', '"\u202eabc"', '"\ufeffname"', '"\uffff"',
    -- strings that look like something else
    '"''; DROP TABLE workflow_registry.workflows; --"', '"%s%s%s%n%x%d"', '"NULL"', '"null"', '"true"', '"1"',
    '"CREATE"', '"create"', '"RECONCILE"', '"SYSTEM"', '"User"', '"USER_INT"', '"active"', '"ACTIVE"',
    '"User internal"', '"create_user"', '"1abc"', '"_"', '"a b"', '"a-b"', '"ä"',
    -- lengths at the column limits (20 tag, 63 enum label, 255 name, 2000
    -- description) and one past, in ASCII and in two-byte characters
    pg_catalog.to_jsonb(pg_catalog.repeat('a', 20)), pg_catalog.to_jsonb(pg_catalog.repeat('a', 21)),
    pg_catalog.to_jsonb(pg_catalog.repeat('A', 63)), pg_catalog.to_jsonb(pg_catalog.repeat('A', 64)),
    pg_catalog.to_jsonb(pg_catalog.repeat('a', 255)), pg_catalog.to_jsonb(pg_catalog.repeat('a', 256)),
    pg_catalog.to_jsonb(pg_catalog.repeat('a', 2000)), pg_catalog.to_jsonb(pg_catalog.repeat('a', 2001)),
    pg_catalog.to_jsonb(pg_catalog.repeat('é', 20)), pg_catalog.to_jsonb(pg_catalog.repeat('é', 21)),
    pg_catalog.to_jsonb(pg_catalog.repeat('é', 63)), pg_catalog.to_jsonb(pg_catalog.repeat('é', 255)),
    pg_catalog.to_jsonb(pg_catalog.repeat('é', 2000)), pg_catalog.to_jsonb(pg_catalog.repeat('é', 2001)),
    -- 1 MB strings, and 10000 escaped quotes
    pg_catalog.to_jsonb(pg_catalog.repeat('x', 1048576)), pg_catalog.to_jsonb(pg_catalog.repeat('é', 524288)),
    pg_catalog.to_jsonb(pg_catalog.repeat('"', 10000)),
    -- containers: empty, small, deep, wide
    '[]', '{}', '[null]', '["x"]', '[1, 2, 3]', '{"a": 1}', '{"name": "x"}', '[[[]]]', '{"": ""}',
    (pg_catalog.repeat('[', 10000) || pg_catalog.repeat(']', 10000))::jsonb,
    (pg_catalog.repeat('{"a": ', 10000) || '1' || pg_catalog.repeat('}', 10000))::jsonb,
    (SELECT pg_catalog.jsonb_agg(i) FROM pg_catalog.generate_series(1, 10000) AS i),
    (SELECT pg_catalog.jsonb_object_agg('k' || i, i) FROM pg_catalog.generate_series(1, 10000) AS i)
]::jsonb[]) WITH ORDINALITY AS t(v, ord);

-- Key names a definition does not know (each function's own keys are
-- left out for it): typos, case and blanks, other functions' keys, column
-- names, and a 1 MB key.
CREATE TEMP TABLE fuzz_key (kid int PRIMARY KEY, k text NOT NULL);
INSERT INTO fuzz_key
SELECT ord, k FROM pg_catalog.unnest(ARRAY[
    '', ' ', 'nmae', 'Name', 'NAME', ' name', 'name ', 'names', 'naïve', '😀', E'name\t',
    'is_task', 'product_tag', 'tag', 'status', 'target', 'product_type',
    'workflow_id', 'product_id', 'created_at', 'checksum', 'version',
    '__proto__', 'constructor', '%s%n', '"', '\', 'unknown',
    pg_catalog.repeat('n', 10000), pg_catalog.repeat('k', 1048576)
]) WITH ORDINALITY AS t(k, ord);

-- The keys to vary are those of an object; a function that takes an array
-- gets no per-key inputs.
CREATE FUNCTION pg_temp.fuzz_object(jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT
RETURN CASE WHEN pg_catalog.jsonb_typeof($1) = 'object' THEN $1 ELSE '{}' END;

-- A number from 0 to 2^32 - 1 that depends only on the text: the
-- generator's only source of variety.
CREATE FUNCTION pg_temp.fuzz_hash(text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT
RETURN ('x' || pg_catalog.substr(pg_catalog.md5($1), 1, 8))::pg_catalog.bit(32)::pg_catalog.int8;

-- Every place in a valid input that a value can be put: the keys of an
-- object, the items of an array, and recursively inside them.  For a flat
-- definition these are its keys.
CREATE TEMP TABLE fuzz_path (fn text, pid int, path text[], PRIMARY KEY (fn, pid));
INSERT INTO fuzz_path
WITH RECURSIVE node (fn, path, value) AS (
    SELECT f.fn, '{}'::text[], f.valid
    FROM fuzz_function AS f
    UNION ALL
    SELECT n.fn, n.path || c.key, c.value
    FROM node AS n,
         LATERAL (SELECT o.key, o.value
                  FROM pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof(n.value) = 'object'
                                                  THEN n.value END) AS o
                  UNION ALL
                  SELECT (a.ord - 1)::text, a.value
                  FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(n.value) = 'array'
                                                            THEN n.value END)
                       WITH ORDINALITY AS a(value, ord)) AS c
)
SELECT fn, pg_catalog.row_number() OVER (PARTITION BY fn ORDER BY path::text COLLATE "C"), path
FROM node
WHERE pg_catalog.cardinality(path) > 0;

--
-- The inputs.  kind says how each was made; a, b number it within its kind.
--
CREATE TEMP TABLE fuzz_input (
    id    int PRIMARY KEY,
    fn    text NOT NULL,
    kind  text NOT NULL,
    input jsonb                 -- NULL: an SQL NULL argument
);
INSERT INTO fuzz_input
SELECT pg_catalog.row_number() OVER (ORDER BY g.fn COLLATE "C", g.kind COLLATE "C", g.a, g.b), g.fn, g.kind, g.input
FROM (
    -- every key (and item) set to every hostile value
    SELECT f.fn, '1 wrong value' AS kind, p.pid AS a, v.vid AS b,
           pg_catalog.jsonb_set(f.valid, p.path, v.v) AS input
    FROM fuzz_function AS f JOIN fuzz_path AS p USING (fn), fuzz_value AS v
    UNION ALL
    -- one key (or item) missing; two top-level keys missing
    SELECT f.fn, '2 missing key', p1.pid, p2.pid,
           f.valid #- p1.path #- p2.path
    FROM fuzz_function AS f JOIN fuzz_path AS p1 USING (fn) JOIN fuzz_path AS p2 USING (fn)
    WHERE p1.pid = p2.pid
       OR (p1.pid < p2.pid AND pg_catalog.cardinality(p1.path) = 1 AND pg_catalog.cardinality(p2.path) = 1)
    UNION ALL
    -- an unknown key, with a string value ...
    SELECT f.fn, '3 unknown key', u.kid, 0,
           f.valid || pg_catalog.jsonb_build_object(u.k, 'x')
    FROM fuzz_function AS f, fuzz_key AS u
    WHERE NOT f.valid ? u.k
    UNION ALL
    -- ... and with every hostile value
    SELECT f.fn, '4 unknown key value', v.vid, 0,
           f.valid || pg_catalog.jsonb_build_object('unknown', v.v)
    FROM fuzz_function AS f, fuzz_value AS v
    UNION ALL
    -- a hostile value instead of an object: scalars, arrays, other objects
    SELECT f.fn, '5 not a definition', v.vid, 0, v.v
    FROM fuzz_function AS f, fuzz_value AS v
    UNION ALL
    -- the definition in an array, in an object, as a string; an SQL NULL
    SELECT f.fn, '6 wrapped', w.ord, 0, w.input
    FROM fuzz_function AS f,
         LATERAL pg_catalog.unnest(ARRAY[
             pg_catalog.jsonb_build_array(f.valid),
             pg_catalog.jsonb_build_array(f.valid, f.valid),
             pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(f.valid)),
             pg_catalog.jsonb_build_object('definition', f.valid),
             pg_catalog.jsonb_build_object(f.fn, f.valid),
             pg_catalog.to_jsonb(f.valid::pg_catalog.text),
             NULL]) WITH ORDINALITY AS w(input, ord)
    UNION ALL
    -- duplicate keys: jsonb keeps the last one, so the valid value wins
    -- when it comes second and loses when it comes first
    SELECT f.fn, '7 duplicate key', k.ord, d.ord,
           CASE WHEN d.ord % 2 = 1
                THEN ('{' || pg_catalog.to_jsonb(k.key)::pg_catalog.text
                      || ': ' || d.v
                      || ', '
                      || pg_catalog.substr(f.valid::pg_catalog.text, 2))::pg_catalog.jsonb
                ELSE (pg_catalog.left(f.valid::pg_catalog.text, -1)
                      || ', '
                      || pg_catalog.to_jsonb(k.key)::pg_catalog.text
                      || ': ' || d.v
                      || '}')::pg_catalog.jsonb
           END
    FROM fuzz_function AS f,
         pg_catalog.jsonb_object_keys(pg_temp.fuzz_object(f.valid)) WITH ORDINALITY AS k(key, ord),
         pg_catalog.unnest(ARRAY['null', 'null', '1', '1', '""', '""', '[]', '[]', '{}', '{}', '"x"', '"x"'])
             WITH ORDINALITY AS d(v, ord)
    UNION ALL
    -- mixes: in input i each key is kept (4 in 10), left out (2 in 10) or
    -- given a hostile value (4 in 10), and one input in 8 gets a key from
    -- fuzz_key too; the choices come from md5, so every run builds the
    -- same inputs
    SELECT m.fn, '8 mix', m.i, 0,
           m.kept || CASE WHEN x.h % 8 = 0 THEN pg_catalog.jsonb_build_object(u.k, ev.v) ELSE '{}' END
    FROM (SELECT f.fn, i,
                 COALESCE(pg_catalog.jsonb_object_agg(k.key, CASE WHEN c.pick < 4 THEN f.valid -> k.key
                                                                  ELSE hv.v END)
                              FILTER (WHERE c.pick NOT IN (4, 5)),
                          '{}') AS kept
          FROM fuzz_function AS f,
               pg_catalog.generate_series(1, 200) AS i,
               pg_catalog.jsonb_object_keys(pg_temp.fuzz_object(f.valid)) AS k(key),
               LATERAL (SELECT pg_temp.fuzz_hash(f.fn || '/' || i || '/' || k.key) AS h) AS kh,
               LATERAL (SELECT kh.h % 10 AS pick,
                               kh.h / 10 % (SELECT pg_catalog.count(*) FROM fuzz_value) + 1 AS vid) AS c
               LEFT JOIN fuzz_value AS hv ON hv.vid = c.vid
          GROUP BY f.fn, i) AS m,
         LATERAL (SELECT pg_temp.fuzz_hash(m.fn || '/' || m.i) AS h) AS x,
         fuzz_key AS u,
         fuzz_value AS ev
    WHERE u.kid = x.h / 8 % (SELECT pg_catalog.count(*) FROM fuzz_key) + 1
      AND ev.vid = x.h / 1000 % (SELECT pg_catalog.count(*) FROM fuzz_value) + 1
    UNION ALL
    -- valid definitions
    SELECT f.fn, '9 valid', 0, 0, f.valid
    FROM fuzz_function AS f
    UNION ALL
    SELECT f.fn, '9 valid', x.ord, 0, f.valid || x.variant
    FROM fuzz_function AS f,
         pg_catalog.jsonb_array_elements(f.variants) WITH ORDINALITY AS x(variant, ord)
) AS g;

--
-- Run one input in a subtransaction.  An error gives its SQLSTATE and
-- message; a success gives 00000 and whether what it registered carries
-- the input's values, and is then rolled back.
--
CREATE FUNCTION pg_temp.fuzz_one(fname text, input jsonb,
                                 OUT state text, OUT message text, OUT checked boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f record;
    result text;
BEGIN
    SELECT * INTO STRICT f FROM pg_temp.fuzz_function AS t WHERE t.fn = fname;
    BEGIN
        EXECUTE f.call INTO result USING input;
        state := '00000';
        EXECUTE f.check_sql INTO checked USING input, result;
        RAISE SQLSTATE 'WRFUZ';
    EXCEPTION
        WHEN SQLSTATE 'WRFUZ' THEN
            NULL;               -- a success, undone
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
            checked := NULL;
    END;
END
$$;

-- The registry before: row counts and a digest of each table (the ledger's
-- rows for extension versions are not counted, so the output does not
-- depend on the version).
CREATE TEMP VIEW fuzz_registry AS
SELECT 'migrations' AS tbl, pg_catalog.count(*) FILTER (WHERE t.kind <> 'extension') AS nrows,
       pg_catalog.md5(pg_catalog.string_agg(t::text, E'\n' ORDER BY t::text)) AS digest
FROM workflow_registry.migrations AS t
UNION ALL
SELECT 'products', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(t::text, E'\n' ORDER BY t::text))
FROM workflow_registry.products AS t
UNION ALL
SELECT 'products_workflows', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(t::text, E'\n' ORDER BY t::text))
FROM workflow_registry.products_workflows AS t
UNION ALL
SELECT 'workflows', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(t::text, E'\n' ORDER BY t::text))
FROM workflow_registry.workflows AS t;
CREATE TEMP TABLE fuzz_before AS SELECT * FROM fuzz_registry;

-- Run every input.  Each one meets the same registry, so the order of the
-- calls does not matter.  Notices (a function may skip what is already
-- there) would only repeat what the results say.
SET client_min_messages = warning;
CREATE TEMP TABLE fuzz_result AS
SELECT i.id, i.fn, i.kind, r.state, r.message, r.checked
FROM fuzz_input AS i, LATERAL pg_temp.fuzz_one(i.fn, i.input) AS r;
RESET client_min_messages;

-- After all that, every valid input still passes.
SELECT f.fn, r.state, r.checked
FROM fuzz_function AS f, LATERAL pg_temp.fuzz_one(f.fn, f.valid) AS r
ORDER BY f.fn COLLATE "C";

-- What was tried, what succeeded; internal errors (class XX) and successes
-- that registered something else than the input said must be 0.
SELECT COALESCE(fn, 'all') AS function,
       pg_catalog.count(*) AS tried,
       pg_catalog.count(*) FILTER (WHERE state = '00000') AS succeeded,
       pg_catalog.count(*) FILTER (WHERE state <> '00000') AS failed,
       pg_catalog.count(*) FILTER (WHERE state LIKE 'XX%') AS internal_errors,
       pg_catalog.count(*) FILTER (WHERE state = '00000' AND checked IS NOT TRUE) AS wrong_rows,
       pg_catalog.count(*) >= 500 AS at_least_500
FROM fuzz_result
GROUP BY ROLLUP (fn)
ORDER BY fn COLLATE "C";

-- Outcomes per function and SQLSTATE class.
SELECT fn AS function, pg_catalog.left(state, 2) AS class,
       CASE pg_catalog.left(state, 2)
           WHEN '00' THEN 'success'
           WHEN '0A' THEN 'feature not supported'
           WHEN '22' THEN 'data exception'
           WHEN '23' THEN 'integrity constraint violation'
           WHEN '42' THEN 'syntax error or access rule violation'
           WHEN '53' THEN 'insufficient resources'
           WHEN '54' THEN 'program limit exceeded'
           WHEN 'XX' THEN 'internal error'
           ELSE 'other' END AS meaning,
       pg_catalog.count(*)
FROM fuzz_result
GROUP BY 1, 2
ORDER BY fn COLLATE "C", pg_catalog.left(state, 2) COLLATE "C";

-- What each kind of input gave.
SELECT kind,
       pg_catalog.count(*) AS tried,
       pg_catalog.count(*) FILTER (WHERE state = '00000') AS succeeded
FROM fuzz_result
GROUP BY kind
ORDER BY kind COLLATE "C";

-- The errors raised: per SQLSTATE, how many, how many different messages
-- (with the quoted values blanked out) and the first of them.
CREATE TEMP VIEW fuzz_error AS
SELECT state, pg_catalog.regexp_replace(message, '"([^"]|"(?![ ,.]|$))*"(?=[ ,.]|$)', '"*"', 'g')
              COLLATE "C" AS template
FROM fuzz_result
WHERE state <> '00000';
SELECT state, pg_catalog.count(*), pg_catalog.count(DISTINCT template) AS messages,
       pg_catalog.min(template) AS first_message
FROM fuzz_error
GROUP BY state
ORDER BY state COLLATE "C";

-- Reproducers for any internal error or wrong row (none expected).
SELECT r.id, r.fn, r.kind, r.state, r.message, r.checked,
       pg_catalog.left(i.input::text, 200) AS input
FROM fuzz_result AS r JOIN fuzz_input AS i USING (id)
WHERE r.state LIKE 'XX%'
   OR (r.state = '00000' AND r.checked IS NOT TRUE)
ORDER BY r.id;

-- The registry is as it was: every success was undone and every error
-- left nothing behind.
SELECT a.tbl, b.nrows AS rows_before, a.nrows AS rows_after,
       a.digest = b.digest AS unchanged
FROM fuzz_registry AS a JOIN fuzz_before AS b USING (tbl)
ORDER BY a.tbl COLLATE "C";

DROP VIEW fuzz_registry, fuzz_error;
DROP EXTENSION workflow_registry;
