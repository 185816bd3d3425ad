-- The baseline of test/bench: a copy of shared/orchestrator-core/schema.sql,
-- loaded with search_path = upstream.
-- orchestrator-core's registry tables as its migrations leave them (release 5.x), for
-- baselines and import tests. Facts reconstructed from its models and schema migrations.
-- Upstream keeps them in schema public and uses uuid-ossp's uuid_generate_v4(); the
-- gen_random_uuid() default below is equivalent and needs no extension.
CREATE TABLE products (
  product_id   uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
  name         varchar NOT NULL UNIQUE,
  description  varchar(2000) NOT NULL,          -- text before release 4.8
  product_type varchar(255) NOT NULL,           -- no index, not unique
  tag          varchar(20) NOT NULL,
  status       varchar(255) NOT NULL,           -- 'active', ...; no CHECK
  created_at   timestamptz DEFAULT current_timestamp NOT NULL,
  end_date     timestamptz
);
CREATE INDEX ix_products_tag ON products (tag);

CREATE TABLE workflows (
  workflow_id uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY,
  name        varchar NOT NULL UNIQUE,
  target      varchar NOT NULL,                 -- no enum, no CHECK: any string is accepted
  description varchar(2000) NOT NULL,           -- nullable text before release 4.0
  created_at  timestamptz DEFAULT current_timestamp NOT NULL,
  deleted_at  timestamptz,                      -- soft delete, since release 2.0.1
  is_task     boolean DEFAULT false NOT NULL    -- since release 4.0.0
);

CREATE TABLE products_workflows (
  product_id  uuid NOT NULL REFERENCES products (product_id) ON DELETE CASCADE,
  workflow_id uuid NOT NULL REFERENCES workflows (workflow_id) ON DELETE CASCADE,
  PRIMARY KEY (product_id, workflow_id)
);

-- The migration helper create_workflow(conn, workflow) runs exactly this statement
-- (the tag condition only when product_tag is given; is_task defaults to false):
--
-- WITH new_workflow AS (
--     INSERT INTO workflows (name, target, is_task, description)
--         VALUES (:name, :target, :is_task, :description)
--         ON CONFLICT DO NOTHING
--         RETURNING workflow_id)
-- INSERT INTO products_workflows (product_id, workflow_id)
-- SELECT p.product_id, nw.workflow_id
-- FROM products AS p CROSS JOIN new_workflow AS nw
-- WHERE p.product_type = :product_type [AND p.tag = :product_tag]
-- ON CONFLICT DO NOTHING;
--
-- delete_workflow(conn, name) runs: DELETE FROM workflows WHERE name = :name;
-- create_task(conn, task) is create_workflow with target 'SYSTEM', is_task true and no product.
--
-- What that means for users (each verified on PostgreSQL 15): a repeat call, a redefinition
-- under the same name, an unknown product_type, a lower-case or made-up target all succeed
-- silently; an unknown name in delete_workflow is a silent no-op.
