--
-- Benchmark setup: our extension in schema workflow_registry and
-- orchestrator-core's own tables in schema upstream, seeded with the same
-- products and the seed example's workflows.  Run by test/bench/run with
-- psql variable upstream_schema set to the path of orchestrator-core's
-- schema file.
--
\set ON_ERROR_STOP 1

CREATE EXTENSION workflow_registry;

-- orchestrator-core's DDL names its tables unqualified; load it into its
-- own schema.
CREATE SCHEMA upstream;
SET search_path = upstream;
\i :upstream_schema
RESET search_path;

-- Helpers of the benchmark, shared by both sides.
CREATE SCHEMA bench;

-- Five product types with 1 to 5 products each: the seed example's two
-- types plus three more.  Workflows are spread over the types round robin,
-- (ARRAY['UserGroup','User','Node','Port','Circuit'])[1 + i % 5], so on
-- average a workflow has three product links.
CREATE TABLE bench.product_defs (def jsonb NOT NULL);
INSERT INTO bench.product_defs (def)
SELECT pg_catalog.jsonb_array_elements('[
    {"name": "User Group",         "description": "Group of users",      "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal",      "description": "Internal user",       "product_type": "User",      "tag": "USER_INT"},
    {"name": "User external",      "description": "External user",       "product_type": "User",      "tag": "USER_EXT"},
    {"name": "Node Nokia",         "description": "Nokia router",        "product_type": "Node",      "tag": "NODE_NOK"},
    {"name": "Node Cisco",         "description": "Cisco router",        "product_type": "Node",      "tag": "NODE_CSC"},
    {"name": "Node Juniper",       "description": "Juniper router",      "product_type": "Node",      "tag": "NODE_JNP"},
    {"name": "Port 1G",            "description": "1 Gb/s port",         "product_type": "Port",      "tag": "PORT_1G"},
    {"name": "Port 10G",           "description": "10 Gb/s port",        "product_type": "Port",      "tag": "PORT_10G"},
    {"name": "Port 100G",          "description": "100 Gb/s port",       "product_type": "Port",      "tag": "PORT_100G"},
    {"name": "Port 400G",          "description": "400 Gb/s port",       "product_type": "Port",      "tag": "PORT_400G"},
    {"name": "Circuit L2VPN",      "description": "Layer 2 VPN",         "product_type": "Circuit",   "tag": "L2VPN"},
    {"name": "Circuit L3VPN",      "description": "Layer 3 VPN",         "product_type": "Circuit",   "tag": "L3VPN"},
    {"name": "Circuit EVPN",       "description": "Ethernet VPN",        "product_type": "Circuit",   "tag": "EVPN"},
    {"name": "Circuit IP peering", "description": "IP peering",          "product_type": "Circuit",   "tag": "PEERING"},
    {"name": "Circuit light path", "description": "Optical light path",  "product_type": "Circuit",   "tag": "LIGHTPATH"}
]'::jsonb);

-- The seed example's six workflows.
CREATE TABLE bench.seed_workflows (def jsonb NOT NULL);
INSERT INTO bench.seed_workflows (def)
SELECT pg_catalog.jsonb_array_elements('[
    {"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"},
    {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"},
    {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"},
    {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"},
    {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"},
    {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}
]'::jsonb);

-- orchestrator-core's create_workflow(conn, workflow) helper, statement for
-- statement, for seeding and preparing the upstream side.
CREATE FUNCTION bench.upstream_create_workflow(w jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    WITH new_workflow AS (
        INSERT INTO upstream.workflows (name, target, is_task, description)
            VALUES (w->>'name', w->>'target', false, w->>'description')
            ON CONFLICT DO NOTHING
            RETURNING workflow_id)
    INSERT INTO upstream.products_workflows (product_id, workflow_id)
    SELECT p.product_id, nw.workflow_id
    FROM upstream.products AS p CROSS JOIN new_workflow AS nw
    WHERE p.product_type = w->>'product_type'
    ON CONFLICT DO NOTHING;
END $$;

-- Back to the start state: the products, the six seed workflows and "base"
-- background workflows base_1 .. base_<base> on both sides.  The background
-- stands for a registry in use; it also keeps the planner from choosing
-- sequential scans of a near-empty table for the plans that the functions
-- and the foreign key checks keep for the rest of the session (see
-- test/bench/README).  The seed workflows go through the registration
-- functions; the background is written set-based to keep resets quick,
-- with the rows and links the functions would write.  The caller vacuums
-- and checkpoints afterwards.
CREATE FUNCTION bench.reset(base int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    TRUNCATE workflow_registry.products_workflows, workflow_registry.workflows;
    TRUNCATE upstream.products_workflows, upstream.workflows;
    PERFORM workflow_registry.create_workflow(s.def) FROM bench.seed_workflows AS s;
    PERFORM bench.upstream_create_workflow(s.def) FROM bench.seed_workflows AS s;

    INSERT INTO workflow_registry.workflows (name, target, description, product_type)
    SELECT 'base_' || i, 'CREATE', 'Background workflow',
           (ARRAY['UserGroup','User','Node','Port','Circuit'])[1 + i % 5]
    FROM generate_series(1, base) AS i;
    INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)
    SELECT p.product_id, w.workflow_id
    FROM workflow_registry.workflows AS w
    JOIN workflow_registry.products AS p USING (product_type)
    WHERE w.name LIKE 'base\_%';

    INSERT INTO upstream.workflows (name, target, is_task, description)
    SELECT 'base_' || i, 'CREATE', false, 'Background workflow'
    FROM generate_series(1, base) AS i;
    INSERT INTO upstream.products_workflows (product_id, workflow_id)
    SELECT p.product_id, w.workflow_id
    FROM generate_series(1, base) AS i
    JOIN upstream.workflows AS w ON w.name = 'base_' || i
    JOIN upstream.products AS p
      ON p.product_type = (ARRAY['UserGroup','User','Node','Port','Circuit'])[1 + i % 5];
END $$;

-- The workflows the delete scripts delete, with their links, on both
-- sides: wf_<client>_<i> for each client and i = 1..txns.  The caller
-- vacuums and checkpoints afterwards.
CREATE FUNCTION bench.prepare_deletes(clients int, txns int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM workflow_registry.create_workflow(d.def), bench.upstream_create_workflow(d.def)
    FROM (SELECT jsonb_build_object(
                     'name', 'wf_' || c || '_' || i, 'target', 'CREATE',
                     'description', 'Bench workflow',
                     'product_type', (ARRAY['UserGroup','User','Node','Port','Circuit'])[1 + i % 5]) AS def
          FROM generate_series(0, clients - 1) AS c, generate_series(1, txns) AS i) AS d;
END $$;

-- How many product links workflows number first..last get, whose type is
-- chosen round robin as above: the same on both sides.
CREATE FUNCTION bench.links_for(first int, last int) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(sum((SELECT count(*) FROM upstream.products AS p
                         WHERE p.product_type = (ARRAY['UserGroup','User','Node','Port','Circuit'])[1 + i % 5])), 0)::bigint
    FROM generate_series(first, last) AS i
$$;

-- Row counts of both sides, as "workflows links" per side.
CREATE FUNCTION bench.counts(OUT ours_workflows bigint, OUT ours_links bigint,
                             OUT upstream_workflows bigint, OUT upstream_links bigint)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (SELECT count(*) FROM workflow_registry.workflows),
           (SELECT count(*) FROM workflow_registry.products_workflows),
           (SELECT count(*) FROM upstream.workflows),
           (SELECT count(*) FROM upstream.products_workflows)
$$;

SELECT count(workflow_registry.create_product(d.def)) FROM bench.product_defs AS d;
INSERT INTO upstream.products (name, description, product_type, tag, status)
SELECT d.def->>'name', d.def->>'description', d.def->>'product_type', d.def->>'tag', 'active'
FROM bench.product_defs AS d;

SELECT bench.reset(0);
