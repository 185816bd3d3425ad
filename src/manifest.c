/*-------------------------------------------------------------------------
 *
 * manifest.c
 *	  The declarative registry: plan(), sync() and check().
 *
 * A manifest lists the workflows, tasks and (optionally) products the code
 * wants:
 *
 *	 {"workflows": [{create_workflow keys}, ...],
 *	  "tasks": [{create_task keys}, ...],
 *	  "products": [{create_product keys}, ...]}
 *
 * Every entry is read and checked as the single functions check it.  plan()
 * compares the manifest with the registry in one set-based statement and
 * returns the actions that would make them equal; sync() turns exactly
 * those actions into the steps of one data migration and applies it, so
 * revert_migration() undoes a sync.
 *
 * Attached to orchestrator-core's tables (attach.c), the statements read
 * its workflows that are not soft-deleted, with the product type and tag
 * of workflow_registry.attached_workflows, and its products and
 * products_workflows: the same text, built by one function from the
 * relations it reads (manifest_ctes(), with own_tables() or
 * attached_tables()).  Some rows there are not the manifest's to change,
 * and plan() keeps out of them:
 *
 * - orchestrator-core's own rows, the workflows without an
 *   attached_workflows row (those attach left, or that orchestrator-core
 *   inserted since).  The functions never change them; their names are
 *   taken.
 * - before 1.8, the default workflows too (attached_workflows.is_default,
 *   as modify_note), which are linked to every product and which a
 *   manifest of 1.4 cannot describe.  From 1.8 on a manifest entry has the
 *   key "default", and the statements of 1.8 compare, create, update,
 *   delete and link them as any other workflow, in both modes.
 *
 * A manifest from code lists such workflows too (orchestrator-core's tasks
 * are in its ALL_WORKFLOWS, and modify_note), so naming one is not an error
 * and plan() shows no row for it: none to create (the name is registered),
 * update, delete (with allow_delete too), link or unlink.  Whether code and
 * database agree on them is check()'s business, which compares every row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog.h"
#include "catalog/pg_type.h"
#include "classify.h"
#include "funcapi.h"
#include "ledger.h"
#include "links.h"
#include "manifest.h"
#include "message.h"
#include "registry.h"
#include "spi.h"
#include "tables.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

/* The desired state, as arrays for the statements. */
typedef struct WrManifest
{
	int			nworkflows;		/* workflows and tasks */
	WorkflowDef *workflows;
	const char **kinds;			/* "workflow" or "task" */
	int			nproducts;
	ProductDef *products;
	bool		manages_products;	/* the manifest has "products" */
} WrManifest;

/*
 * The relations the manifest's statements read: a FROM item "workflows"
 * whose rows are the registered workflows, with the columns workflow_id,
 * name, target, description, product_type, is_task, product_tag,
 * is_default and keep (plan() keeps out of the row: see the file header),
 * and the tables of the products and of their links.
 */
typedef struct WrRegistryTables
{
	const char *workflows;
	const char *products;
	const char *links;
} WrRegistryTables;

/*
 * The extension's own tables.  Before 1.8 they have no is_default, and the
 * statements of 1.4, the only ones such a database runs, read false.
 */
static WrRegistryTables
own_tables(WrApiVersion api)
{
	WrRegistryTables t;

	t.workflows = psprintf("(SELECT w.workflow_id, w.name, w.target, w.description,"
						   " w.product_type, w.is_task, w.product_tag, %s AS is_default,"
						   " false AS keep FROM workflow_registry.workflows AS w)",
						   api >= WR_API_1_8 ? "w.is_default" : "false");
	t.products = "workflow_registry.products";
	t.links = "workflow_registry.products_workflows";
	return t;
}

/*
 * orchestrator-core's tables in the attached schema: its workflows that are
 * not soft-deleted (orchestrator-core's WorkflowTable.select()), and for
 * those the registry manages what attached_workflows records of them.
 * With defaults (the statements of 1.8, whose manifest can describe a
 * default workflow) only orchestrator-core's own rows are kept out of the
 * plan; before, the default workflows are too.
 */
static WrRegistryTables
attached_tables(const char *schema, bool defaults)
{
	WrRegistryTables t;

	t.workflows = psprintf("(SELECT w.workflow_id, w.name, w.target, w.description,"
						   " m.product_type, w.is_task, m.product_tag,"
						   " COALESCE(m.is_default, false) AS is_default,"
						   " %s AS keep"
						   " FROM %s AS w LEFT JOIN workflow_registry.attached_workflows AS m"
						   " ON m.workflow_id OPERATOR(pg_catalog.=) w.workflow_id"
						   " WHERE w.deleted_at IS NULL)",
						   defaults ? "(m.workflow_id IS NULL)" :
						   "(m.workflow_id IS NULL OR m.is_default)",
						   wr_attached_table(schema, "workflows"));
	t.products = wr_attached_table(schema, "products");
	t.links = wr_attached_table(schema, "products_workflows");
	return t;
}

/*
 * The manifest's statements share their first part: the desired rows, the
 * registry after the plan, and its links before and after.
 *
 * $1..$6  workflows and tasks: name, target, description, product_type,
 *		   is_task, product_tag; $7 their kind
 * $8..$12 products: name, description, product_type, tag, status
 * $13	   allow_delete; $14 the manifest lists products
 * $15	   with defaults (1.8): the workflows' "default"
 *
 * "want" is the manifest without the workflows plan() keeps out of, and
 * those are neither gone nor linked nor unlinked.  With defaults the
 * workflows carry is_default, it is one of the keys compared, and the link
 * rule is that of 1.8; without, the text is that of 1.4.
 */
static char *
manifest_ctes(const WrRegistryTables *t, bool defaults)
{
	return psprintf("WITH listed AS ("
					" SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
					" pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5),"
					" pg_catalog.unnest($6), pg_catalog.unnest($7)%4$s)"
					" AS d(name, target, description, product_type, is_task, product_tag, kind%5$s)),"
					" want_products AS ("
					" SELECT * FROM ROWS FROM (pg_catalog.unnest($8), pg_catalog.unnest($9),"
					" pg_catalog.unnest($10), pg_catalog.unnest($11), pg_catalog.unnest($12))"
					" AS p(name, description, product_type, tag, status)),"
					" have AS ("
					" SELECT w.name::pg_catalog.text AS name, w.target::pg_catalog.text AS target,"
					" w.description::pg_catalog.text AS description,"
					" w.product_type::pg_catalog.text AS product_type, w.is_task,"
					" w.product_tag::pg_catalog.text AS product_tag%6$s, w.keep"
					" FROM %1$s AS w),"
					" want AS ("
					" SELECT * FROM listed AS d WHERE NOT EXISTS (SELECT FROM have AS h"
					" WHERE h.name OPERATOR(pg_catalog.=) d.name AND h.keep)),"
					" have_products AS ("
					" SELECT p.name::pg_catalog.text AS name, p.description::pg_catalog.text AS description,"
					" p.product_type::pg_catalog.text AS product_type, p.tag::pg_catalog.text AS tag,"
					" p.status::pg_catalog.text AS status FROM %2$s AS p),"
					" new_products AS ("
					" SELECT * FROM want_products AS wp"
					" WHERE NOT EXISTS (SELECT FROM have_products AS hp WHERE hp.name OPERATOR(pg_catalog.=) wp.name)),"
					" gone_products AS ("
					" SELECT * FROM have_products AS hp WHERE $13 AND $14"
					" AND NOT EXISTS (SELECT FROM want_products AS wp WHERE wp.name OPERATOR(pg_catalog.=) hp.name)),"
					" products_after AS ("
					" SELECT name, product_type, tag FROM have_products"
					" WHERE name OPERATOR(pg_catalog.<>) ALL (SELECT name FROM gone_products)"
					" UNION ALL SELECT name, product_type, tag FROM new_products),"
					" new_workflows AS ("
					" SELECT * FROM want AS w"
					" WHERE NOT EXISTS (SELECT FROM have AS h WHERE h.name OPERATOR(pg_catalog.=) w.name)),"
					" gone_workflows AS ("
					" SELECT * FROM have AS h WHERE $13 AND NOT h.keep"
					" AND NOT EXISTS (SELECT FROM want AS w WHERE w.name OPERATOR(pg_catalog.=) h.name)),"
					" changes AS ("
					" SELECT w.name, c.key, c.old_value, c.new_value, c.new_json"
					" FROM want AS w JOIN have AS h ON h.name OPERATOR(pg_catalog.=) w.name,"
					" LATERAL (VALUES"
					" ('target', h.target, w.target, pg_catalog.to_jsonb(w.target)),"
					" ('description', h.description, w.description, pg_catalog.to_jsonb(w.description)),"
					" ('product_type', h.product_type, w.product_type, pg_catalog.to_jsonb(w.product_type)),"
					" ('is_task', h.is_task::pg_catalog.text, w.is_task::pg_catalog.text, pg_catalog.to_jsonb(w.is_task)),"
					" ('product_tag', h.product_tag, w.product_tag,"
					" COALESCE(pg_catalog.to_jsonb(w.product_tag), 'null'::pg_catalog.jsonb))%7$s)"
					" AS c(key, old_value, new_value, new_json)"
					" WHERE (c.old_value IS NULL) OPERATOR(pg_catalog.<>) (c.new_value IS NULL)"
					" OR c.old_value OPERATOR(pg_catalog.<>) c.new_value),"
					" workflows_after AS ("
					" SELECT name, product_type, product_tag%5$s FROM want"
					" UNION ALL SELECT h.name, h.product_type, h.product_tag%8$s FROM have AS h"
					" WHERE NOT h.keep"
					" AND NOT EXISTS (SELECT FROM want AS w WHERE w.name OPERATOR(pg_catalog.=) h.name)"
					" AND NOT EXISTS (SELECT FROM gone_workflows AS g WHERE g.name OPERATOR(pg_catalog.=) h.name)),"
					" links_now AS ("
					" SELECT w.name::pg_catalog.text AS workflow, p.name::pg_catalog.text AS product"
					" FROM %3$s AS pw"
					" JOIN %1$s AS w ON w.workflow_id OPERATOR(pg_catalog.=) pw.workflow_id"
					" JOIN %2$s AS p ON p.product_id OPERATOR(pg_catalog.=) pw.product_id"
					" WHERE NOT w.keep),"
					" links_after AS ("
					" SELECT wa.name AS workflow, pa.name AS product"
					" FROM workflows_after AS wa JOIN products_after AS pa ON%9$s)",
					t->workflows, t->products, t->links,
					defaults ? ", pg_catalog.unnest($15)" : "",
					defaults ? ", is_default" : "",
					defaults ? ", w.is_default" : "",
					defaults ? ", ('default', h.is_default::pg_catalog.text,"
					" w.is_default::pg_catalog.text, pg_catalog.to_jsonb(w.is_default))" : "",
					defaults ? ", h.is_default" : "",
					defaults ?
					WR_LINK_RULE_1_8("pa.product_type", "pa.tag", "wa.product_type",
									 "wa.product_tag", "wa.is_default") :
					WR_LINK_RULE("pa.product_type", "pa.tag", "wa.product_type",
								 "wa.product_tag"));
}

/*
 * The key "default" of a workflow's JSON in the rows and steps of 1.8:
 * there only when true, so that every other definition reads as in 1.4
 * (jsonb_strip_nulls drops it).
 */
#define DEFAULT_KEY ", 'default', CASE WHEN is_default THEN true END"

/*
 * The plan, after manifest_ctes(): one row per action, in the order sync()
 * applies them, then the link changes they cause.  "conflict" and
 * "unlinked" rows are errors in the manifest, which plan() reports instead
 * of returning them.
 */
static char *
plan_sql(bool defaults)
{
	return psprintf(", actions AS ("
					" SELECT 0 AS ord, 'conflict' AS action, 'product' AS kind, wp.name, c.key,"
					" c.old_value, c.new_value"
					" FROM want_products AS wp JOIN have_products AS hp"
					" ON hp.name OPERATOR(pg_catalog.=) wp.name,"
					" LATERAL (VALUES ('description', hp.description, wp.description),"
					" ('product_type', hp.product_type, wp.product_type), ('tag', hp.tag, wp.tag),"
					" ('status', hp.status, wp.status)) AS c(key, old_value, new_value)"
					" WHERE c.old_value OPERATOR(pg_catalog.<>) c.new_value"
					" UNION ALL"
					" SELECT 0, 'unlinked', w.kind, w.name,"
					" CASE WHEN w.product_tag IS NULL THEN 'product_type' ELSE 'product_tag' END,"
					" NULL, COALESCE(w.product_tag, w.product_type)"
					" FROM want AS w WHERE w.product_type IS NOT NULL"
					" AND NOT EXISTS (SELECT FROM links_after AS l WHERE l.workflow OPERATOR(pg_catalog.=) w.name)"
					" AND NOT EXISTS (SELECT FROM have AS h WHERE h.name OPERATOR(pg_catalog.=) w.name"
					" AND (h.product_type OPERATOR(pg_catalog.=) w.product_type"
					" OR (h.product_type IS NULL AND w.product_type IS NULL))"
					" AND (h.product_tag OPERATOR(pg_catalog.=) w.product_tag"
					" OR (h.product_tag IS NULL AND w.product_tag IS NULL)))"
					" UNION ALL"
					" SELECT 1, 'create', 'product', name, NULL, NULL,"
					" pg_catalog.jsonb_build_object('name', name, 'description', description,"
					" 'product_type', product_type, 'tag', tag, 'status', status)::pg_catalog.text"
					" FROM new_products"
					" UNION ALL"
					" SELECT 2, 'create', kind, name, NULL, NULL,"
					" pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', name,"
					" 'target', target, 'description', description, 'product_type', product_type,"
					" 'is_task', is_task, 'product_tag', product_tag%1$s))::pg_catalog.text"
					" FROM new_workflows"
					" UNION ALL"
					" SELECT 3, 'update', w.kind, c.name, c.key, c.old_value, c.new_value"
					" FROM changes AS c JOIN want AS w ON w.name OPERATOR(pg_catalog.=) c.name"
					" UNION ALL"
					" SELECT 4, 'delete', CASE WHEN is_task AND product_type IS NULL THEN 'task' ELSE 'workflow' END,"
					" name, NULL,"
					" pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', name,"
					" 'target', target, 'description', description, 'product_type', product_type,"
					" 'is_task', is_task, 'product_tag', product_tag%1$s))::pg_catalog.text, NULL"
					" FROM gone_workflows"
					" UNION ALL"
					" SELECT 5, 'delete', 'product', name, NULL,"
					" pg_catalog.jsonb_build_object('name', name, 'description', description,"
					" 'product_type', product_type, 'tag', tag, 'status', status)::pg_catalog.text, NULL"
					" FROM gone_products"
					" UNION ALL"
					" SELECT 6, 'link', 'workflow', workflow, 'product', NULL, product"
					" FROM (SELECT * FROM links_after EXCEPT SELECT * FROM links_now) AS l"
					" UNION ALL"
					" SELECT 7, 'unlink', 'workflow', workflow, 'product', product, NULL"
					" FROM (SELECT * FROM links_now EXCEPT SELECT * FROM links_after) AS l)"
					" SELECT action, kind, name, key, old_value, new_value FROM actions"
					" ORDER BY ord, name, key, old_value, new_value",
					defaults ? DEFAULT_KEY : "");
}

/* After manifest_ctes(): the steps of the migration that carries out the plan. */
static char *
steps_sql(bool defaults)
{
	return psprintf(", steps AS ("
					" SELECT 1 AS ord, name, pg_catalog.jsonb_build_object('create_product',"
					" pg_catalog.jsonb_build_object('name', name, 'description', description,"
					" 'product_type', product_type, 'tag', tag, 'status', status)) AS step"
					" FROM new_products"
					" UNION ALL"
					" SELECT 2, name, CASE WHEN kind OPERATOR(pg_catalog.=) 'task' THEN"
					" pg_catalog.jsonb_build_object('create_task',"
					" pg_catalog.jsonb_build_object('name', name, 'description', description))"
					" ELSE pg_catalog.jsonb_build_object('create_workflow',"
					" pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', name,"
					" 'target', target, 'description', description, 'product_type', product_type,"
					" 'is_task', is_task, 'product_tag', product_tag%1$s))) END"
					" FROM new_workflows"
					" UNION ALL"
					" SELECT 3, name, pg_catalog.jsonb_build_object('update_workflow',"
					" pg_catalog.jsonb_object_agg(key, new_json) OPERATOR(pg_catalog.||)"
					" pg_catalog.jsonb_build_object('name', name))"
					" FROM changes GROUP BY name"
					" UNION ALL"
					" SELECT 4, name, pg_catalog.jsonb_build_object('delete_workflow', name)"
					" FROM gone_workflows"
					" UNION ALL"
					" SELECT 5, name, pg_catalog.jsonb_build_object('delete_product', name)"
					" FROM gone_products)"
					" SELECT COALESCE(pg_catalog.jsonb_agg(step ORDER BY ord, name), '[]'::pg_catalog.jsonb)"
					" FROM steps",
					defaults ? DEFAULT_KEY : "");
}

/*
 * check(), as of 1.4: the code's names and targets against the registered
 * workflows.  $1 the names, $2 the targets (NULL where the code gives none).
 */
static char *
check_sql(const WrRegistryTables *t)
{
	return psprintf("WITH code AS ("
					" SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))"
					" AS c(name, target))"
					" SELECT 'not registered' AS difference, c.name, c.target, NULL::pg_catalog.text"
					" FROM code AS c"
					" WHERE NOT EXISTS (SELECT FROM %1$s AS w"
					" WHERE w.name OPERATOR(pg_catalog.=) c.name)"
					" UNION ALL"
					" SELECT 'not in code', w.name::pg_catalog.text, NULL, w.target::pg_catalog.text"
					" FROM %1$s AS w"
					" WHERE NOT EXISTS (SELECT FROM code AS c WHERE c.name OPERATOR(pg_catalog.=) w.name)"
					" UNION ALL"
					" SELECT 'target differs', c.name, c.target, w.target::pg_catalog.text"
					" FROM code AS c JOIN %1$s AS w"
					" ON w.name OPERATOR(pg_catalog.=) c.name"
					" WHERE c.target OPERATOR(pg_catalog.<>) w.target::pg_catalog.text"
					" ORDER BY 2, 1",
					t->workflows);
}

/*
 * check(), as of 1.8: what orchestrator-core's nightly task_validate_products
 * compares (orchestrator/workflows/tasks/validate_products.py, 4.8.2):
 *
 * - check_all_workflows_are_in_db: the names, both ways ("not registered",
 *   "not in code");
 * - check_workflows_for_matching_targets_and_descriptions: the target and
 *   description of each code workflow that is registered, where the code
 *   gives them;
 * - check_that_products_have_at_least_one_workflow: every product, of any
 *   status, linked to a workflow that is not soft-deleted;
 * - check_that_active_products_have_a_modify_note: every active product
 *   linked to each default workflow.
 *
 * $1 the names, $2 the targets and $3 the descriptions (NULL where the code
 * gives none), $4 the default workflows named at attach (empty when not
 * attached).  The default workflows are those flagged so and those named
 * at attach: orchestrator-core asks for modify_note whether or not such a
 * workflow exists, so one that is missing or soft-deleted is missing from
 * every active product.  The registered side is the workflows that are
 * not soft-deleted, whoever manages them: orchestrator-core's task
 * compares every one.
 */
static char *
check_sql_1_8(const WrRegistryTables *t, const char *more_findings)
{
	return psprintf("WITH code AS ("
					" SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
					" pg_catalog.unnest($3)) AS c(name, target, description)),"
					" registered AS ("
					" SELECT w.name::pg_catalog.text AS name, w.target::pg_catalog.text AS target,"
					" w.description::pg_catalog.text AS description FROM %1$s AS w),"
					" defaults AS ("
					" SELECT w.name::pg_catalog.text AS name FROM %1$s AS w WHERE w.is_default"
					" UNION SELECT d.name FROM pg_catalog.unnest($4) AS d(name)),"
					" linked AS ("
					" SELECT pw.product_id, w.name::pg_catalog.text AS workflow"
					" FROM %3$s AS pw JOIN %1$s AS w"
					" ON w.workflow_id OPERATOR(pg_catalog.=) pw.workflow_id),"
					" findings AS ("
					" SELECT 'not registered'::pg_catalog.text AS difference,"
					" 'workflow'::pg_catalog.text AS kind, c.name, NULL::pg_catalog.text AS key,"
					" pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', c.name,"
					" 'target', c.target, 'description', c.description))::pg_catalog.text AS code_value,"
					" NULL::pg_catalog.text AS registered_value"
					" FROM code AS c WHERE NOT EXISTS (SELECT FROM registered AS r"
					" WHERE r.name OPERATOR(pg_catalog.=) c.name)"
					" UNION ALL"
					" SELECT 'not in code', 'workflow', r.name, NULL, NULL,"
					" pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('name', r.name,"
					" 'target', r.target, 'description', r.description))::pg_catalog.text"
					" FROM registered AS r WHERE NOT EXISTS (SELECT FROM code AS c"
					" WHERE c.name OPERATOR(pg_catalog.=) r.name)"
					" UNION ALL"
					" SELECT 'target differs', 'workflow', c.name, 'target', c.target, r.target"
					" FROM code AS c JOIN registered AS r ON r.name OPERATOR(pg_catalog.=) c.name"
					" WHERE c.target IS NOT NULL"
					" AND (r.target IS NULL OR c.target OPERATOR(pg_catalog.<>) r.target)"
					" UNION ALL"
					" SELECT 'description differs', 'workflow', c.name, 'description',"
					" c.description, r.description"
					" FROM code AS c JOIN registered AS r ON r.name OPERATOR(pg_catalog.=) c.name"
					" WHERE c.description IS NOT NULL"
					" AND (r.description IS NULL OR c.description OPERATOR(pg_catalog.<>) r.description)"
					" UNION ALL"
					" SELECT 'product without workflows', 'product', p.name::pg_catalog.text,"
					" NULL, NULL, NULL"
					" FROM %2$s AS p WHERE NOT EXISTS (SELECT FROM linked AS l"
					" WHERE l.product_id OPERATOR(pg_catalog.=) p.product_id)"
					" UNION ALL"
					" SELECT 'product without default workflow', 'product', p.name::pg_catalog.text,"
					" d.name, NULL, NULL"
					" FROM %2$s AS p CROSS JOIN defaults AS d"
					" WHERE p.status::pg_catalog.text OPERATOR(pg_catalog.=) 'active'"
					" AND NOT EXISTS (SELECT FROM linked AS l"
					" WHERE l.product_id OPERATOR(pg_catalog.=) p.product_id"
					" AND l.workflow OPERATOR(pg_catalog.=) d.name)%4$s)"
					" SELECT f.difference, f.kind, f.name, f.key, f.code_value, f.registered_value"
					" FROM findings AS f"
					" ORDER BY f.kind OPERATOR(pg_catalog.=) 'product', f.name, f.difference, f.key",
					t->workflows, t->products, t->links, more_findings);
}

/*
 * check() of 1.9 attached adds what orchestrator-core's scheduler would
 * start wrongly: a schedule (workflows_apscheduler_jobs) of a workflow
 * that is soft-deleted, or that is not a task.  Kind "schedule", the name
 * the workflow's, the key the schedule's id.
 */
static char *
schedule_findings(const char *schema)
{
	if (!wr_attached_table_exists(schema, "workflows_apscheduler_jobs"))
		return "";
	return psprintf(" UNION ALL"
					" SELECT CASE WHEN w.deleted_at IS NOT NULL"
					" THEN 'schedule of a deleted workflow'"
					" ELSE 'schedule of a workflow that is not a task' END,"
					" 'schedule', w.name::pg_catalog.text, s.schedule_id::pg_catalog.text, NULL, NULL"
					" FROM %s AS s JOIN %s AS w"
					" ON w.workflow_id OPERATOR(pg_catalog.=) s.workflow_id"
					" WHERE w.deleted_at IS NOT NULL OR NOT w.is_task",
					wr_attached_table(schema, "workflows_apscheduler_jobs"),
					wr_attached_table(schema, "workflows"));
}

/*
 * The statement texts, for the extension's own tables and for an
 * attachment; those of plan() and sync() of 1.4 and, with the key
 * "default", of 1.8.
 */
static char *
plan_statement(const WrRegistryTables *t, bool defaults)
{
	return psprintf("%s%s", manifest_ctes(t, defaults), plan_sql(defaults));
}

static char *
steps_statement(const WrRegistryTables *t, bool defaults)
{
	return psprintf("%s%s", manifest_ctes(t, defaults), steps_sql(defaults));
}

static char *
build_plan(WrApiVersion api)
{
	WrRegistryTables t = own_tables(api);

	return plan_statement(&t, false);
}

static char *
attached_plan(const char *schema)
{
	WrRegistryTables t = attached_tables(schema, false);

	return plan_statement(&t, false);
}

static char *
build_plan_1_8(WrApiVersion api)
{
	WrRegistryTables t = own_tables(api);

	return plan_statement(&t, true);
}

static char *
attached_plan_1_8(const char *schema)
{
	WrRegistryTables t = attached_tables(schema, true);

	return plan_statement(&t, true);
}

static char *
build_steps(WrApiVersion api)
{
	WrRegistryTables t = own_tables(api);

	return steps_statement(&t, false);
}

static char *
attached_steps(const char *schema)
{
	WrRegistryTables t = attached_tables(schema, false);

	return steps_statement(&t, false);
}

static char *
build_steps_1_8(WrApiVersion api)
{
	WrRegistryTables t = own_tables(api);

	return steps_statement(&t, true);
}

static char *
attached_steps_1_8(const char *schema)
{
	WrRegistryTables t = attached_tables(schema, true);

	return steps_statement(&t, true);
}

static char *
build_check(WrApiVersion api)
{
	WrRegistryTables t = own_tables(api);

	return check_sql(&t);
}

static char *
attached_check(const char *schema)
{
	WrRegistryTables t = attached_tables(schema, false);

	return check_sql(&t);
}

static char *
build_check_1_8(WrApiVersion api)
{
	WrRegistryTables t = own_tables(api);

	return check_sql_1_8(&t, "");
}

static char *
attached_check_1_8(const char *schema)
{
	WrRegistryTables t = attached_tables(schema, false);

	return check_sql_1_8(&t, "");
}

static char *
attached_check_1_9(const char *schema)
{
	WrRegistryTables t = attached_tables(schema, false);

	return check_sql_1_8(&t, schedule_findings(schema));
}

typedef enum WrManifestStatement
{
	MANIFEST_PLAN,
	MANIFEST_STEPS,
	MANIFEST_PLAN_1_8,
	MANIFEST_STEPS_1_8,
	MANIFEST_CHECK,
	MANIFEST_CHECK_1_8,
	MANIFEST_CHECK_1_9,
	MANIFEST_ATTACHED_DEFAULTS
} WrManifestStatement;

/*
 * The parameters of manifest_ctes(): 14, and with defaults (1.8) the 15th;
 * manifest_values() fills them all.
 */
#define MANIFEST_NARGS 15
#define MANIFEST_ARGTYPES \
	TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, \
	BOOLARRAYOID, TEXTARRAYOID, TEXTARRAYOID, \
	TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, \
	BOOLOID, BOOLOID
#define MANIFEST_ARGS \
	.nargs = 14, .argtypes = {MANIFEST_ARGTYPES}
#define MANIFEST_ARGS_1_8 \
	.nargs = 15, .argtypes = {MANIFEST_ARGTYPES, BOOLARRAYOID}

/*
 * Each statement is built for the API version it is run with (the one the
 * SQL function is bound to) or for the attachment; they run as
 * wr_execute_versioned() runs them.
 */
static const WrStatement manifest_sql[] = {
	[MANIFEST_PLAN] = {
		.build = build_plan, .attached = attached_plan,
		MANIFEST_ARGS
	},
	[MANIFEST_STEPS] = {
		.build = build_steps, .attached = attached_steps,
		MANIFEST_ARGS
	},

	/*
	 * plan() and sync() of 1.8: the key "default", and attached the default
	 * workflows are the manifest's too.  Their own entries, as an attached
	 * statement has one text whatever the API version.
	 */
	[MANIFEST_PLAN_1_8] = {
		.build = build_plan_1_8, .attached = attached_plan_1_8,
		MANIFEST_ARGS_1_8
	},
	[MANIFEST_STEPS_1_8] = {
		.build = build_steps_1_8, .attached = attached_steps_1_8,
		MANIFEST_ARGS_1_8
	},
	/* check() of 1.4: the code's names and targets */
	[MANIFEST_CHECK] = {
		.build = build_check, .attached = attached_check,
		.nargs = 2, .argtypes = {TEXTARRAYOID, TEXTARRAYOID}, .read_only = true
	},
	/* check() of 1.8: names, targets, descriptions, the default workflows */
	[MANIFEST_CHECK_1_8] = {
		.build = build_check_1_8, .attached = attached_check_1_8,
		.nargs = 4, .argtypes = {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID},
		.read_only = true
	},
	/* check() of 1.9: the same, and attached orchestrator-core's schedules */
	[MANIFEST_CHECK_1_9] = {
		.build = build_check_1_8, .attached = attached_check_1_9,
		.nargs = 4, .argtypes = {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID},
		.read_only = true
	},

	/*
	 * The default workflows named at attach: the extension's own table,
	 * read as the extension's owner (orchestrator-core's role, as which
	 * the attached statements run, may not read it).
	 */
	[MANIFEST_ATTACHED_DEFAULTS] = {
		.sql = "SELECT a.default_workflows FROM workflow_registry.attachment AS a",
		.read_only = true
	},
};

static WrStatements statements = WR_STATEMENTS(manifest_sql);

static void
manifest_values(const WrManifest *m, bool allow_delete, Datum *values)
{
#define WFIELD(f) wr_field_array(m->workflows, sizeof(WorkflowDef), m->nworkflows, \
							  offsetof(WorkflowDef, f))
#define PFIELD(f) wr_field_array(m->products, sizeof(ProductDef), m->nproducts, \
							  offsetof(ProductDef, f))
	values[0] = WFIELD(name);
	values[1] = WFIELD(target);
	values[2] = WFIELD(description);
	values[3] = WFIELD(product_type);
	values[4] = wr_bool_field_array(m->workflows, sizeof(WorkflowDef),
									m->nworkflows, offsetof(WorkflowDef, is_task));
	values[5] = WFIELD(product_tag);
	values[6] = wr_text_array(m->kinds, m->nworkflows);
	values[7] = PFIELD(name);
	values[8] = PFIELD(description);
	values[9] = PFIELD(product_type);
	values[10] = PFIELD(tag);
	values[11] = PFIELD(status);
	values[12] = BoolGetDatum(allow_delete);
	values[13] = BoolGetDatum(m->manages_products);
	values[14] = wr_bool_field_array(m->workflows, sizeof(WorkflowDef),
									 m->nworkflows, offsetof(WorkflowDef, is_default));
#undef WFIELD
#undef PFIELD
}

/* Check the value of a manifest key is an array and return its length. */
static int
list_length_of(JsonbValue *v, const char *key)
{
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key \"%s\" of the manifest must be a JSON array", key),
				 errdetail("It lists the %s the code registers, one definition each.", key),
				 errhint("Write it as \"%s\": [{...}, {...}].", key)));
	return JsonContainerSize(v->val.binary.data);
}

static JsonbValue *
copy_value(const JsonbValue *v)
{
	JsonbValue *copy = palloc(sizeof(JsonbValue));

	*copy = *v;
	return copy;
}

/*
 * The lists of the manifest: workflows (required), tasks and products
 * (NULL when not given), each checked to be an array.
 */
static void
find_lists(Jsonb *jb, JsonbValue **workflows, JsonbValue **tasks,
		   JsonbValue **products)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("manifest must be a JSON object"),
				 errdetail("A manifest has the keys workflows, tasks and products."),
				 errhint("Write it as {\"workflows\": [...], \"tasks\": [...], \"products\": [...]}.")));

	*workflows = *tasks = *products = NULL;
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char	   *key;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(k.val.string.val, k.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		if (strcmp(key, "workflows") == 0)
			*workflows = copy_value(&v);
		else if (strcmp(key, "tasks") == 0)
			*tasks = copy_value(&v);
		else if (strcmp(key, "products") == 0)
			*products = copy_value(&v);
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("manifest has unknown key \"%s\"", wr_clip(key)),
					 errdetail("The known keys are workflows, tasks and products."),
					 errhint("Remove the key from the manifest.")));
	}
	if (*workflows == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("manifest has no key \"workflows\""),
				 errdetail("The key workflows is required; tasks and products are optional."),
				 errhint("Add \"workflows\": [] if the code registers no workflow.")));
}

/* The name entry "index" of a list of the manifest gives, or NULL. */
static char *
entry_name(JsonbValue *list, int index)
{
	return wr_item_name(getIthJsonbValueFromContainer(list->val.binary.data,
													  index));
}

/* Entry "index" of a list of the manifest, which must be an object. */
static Jsonb *
entry_object(JsonbValue *list, int index, const char *what,
			 const char *function)
{
	JsonbValue *e = getIthJsonbValueFromContainer(list->val.binary.data, index);

	if (e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s definition must be a JSON object", what),
				 errdetail("The manifest lists the objects that %s() takes.",
						   function),
				 errhint("Write each entry as {\"name\": ...}.")));
	return JsonbValueToJsonb(e);
}

/*
 * Read the workflows, then the tasks, into m->workflows; errors name the
 * entry (ctx).
 */
static void
read_workflows(JsonbValue *workflows, int nw, JsonbValue *tasks,
			   WrApiVersion api, WrManifest *m, WrItemContext *ctx)
{
	for (int i = 0; i < m->nworkflows; i++)
	{
		bool		task = i >= nw;
		WorkflowDef *def = &m->workflows[i];
		Jsonb	   *e;

		ctx->list = task ? "tasks" : "workflows";
		ctx->index = task ? i - nw : i;
		ctx->name = entry_name(task ? tasks : workflows, ctx->index);
		if (task)
		{
			e = entry_object(tasks, ctx->index, "task", "create_task");
			wr_parse_task(e, api, def);
		}
		else
		{
			e = entry_object(workflows, ctx->index, "workflow", "create_workflow");
			wr_parse_workflow(e, api, def);
		}
		m->kinds[i] = task ? "task" : "workflow";
		ctx->name = def->name;
		for (int j = 0; j < i; j++)
		{
			if (strcmp(m->workflows[j].name, def->name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_OBJECT),
						 errmsg("\"%s\" is listed twice in the manifest",
								def->name),
						 errdetail("Workflows and tasks share one namespace of names."),
						 errhint("Keep one entry per name.")));
		}
	}
}

/* Read the products into m->products; errors name the entry (ctx). */
static void
read_products(JsonbValue *products, WrApiVersion api, WrManifest *m,
			  WrItemContext *ctx)
{
	ctx->list = "products";
	for (int i = 0; i < m->nproducts; i++)
	{
		ProductDef *def = &m->products[i];

		ctx->index = i;
		ctx->name = entry_name(products, i);
		wr_parse_product(entry_object(products, i, "product", "create_product"),
						 api, def);
		ctx->name = def->name;
		for (int j = 0; j < i; j++)
		{
			if (strcmp(m->products[j].name, def->name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_OBJECT),
						 errmsg("product \"%s\" is listed twice in the manifest",
								def->name),
						 errhint("Keep one entry per name.")));
		}
	}
}

/* Read and check the manifest; every problem names the entry. */
static void
read_manifest(Jsonb *jb, WrApiVersion api, WrManifest *m)
{
	JsonbValue *workflows;
	JsonbValue *tasks;
	JsonbValue *products;
	int			nw;
	WrItemContext ctx;

	find_lists(jb, &workflows, &tasks, &products);
	memset(m, 0, sizeof(WrManifest));
	nw = list_length_of(workflows, "workflows");
	m->nworkflows = nw + (tasks ? list_length_of(tasks, "tasks") : 0);
	m->nproducts = products ? list_length_of(products, "products") : 0;
	m->manages_products = products != NULL;
	m->workflows = palloc0(Max(m->nworkflows, 1) * sizeof(WorkflowDef));
	m->kinds = palloc0(Max(m->nworkflows, 1) * sizeof(char *));
	m->products = palloc0(Max(m->nproducts, 1) * sizeof(ProductDef));

	wr_push_item_context(&ctx, "workflows", " of the manifest");
	read_workflows(workflows, nw, tasks, api, m, &ctx);
	read_products(products, api, m, &ctx);
	wr_pop_item_context(&ctx);
}

/*
 * Name the entry of the manifest of that kind and name in the context of
 * the errors that follow, as read_manifest() does.
 */
static void
push_entry_context(const WrManifest *m, const char *kind, const char *name,
				   WrItemContext *ctx)
{
	int			index = 0;

	wr_push_item_context(ctx, "products", " of the manifest");
	ctx->name = name;
	if (strcmp(kind, "product") == 0)
	{
		while (index < m->nproducts && strcmp(m->products[index].name, name) != 0)
			index++;
		ctx->index = index;
		return;
	}
	ctx->list = strcmp(kind, "task") == 0 ? "tasks" : "workflows";
	for (int i = 0; i < m->nworkflows; i++)
	{
		if (strcmp(m->kinds[i], kind) != 0)
			continue;
		if (strcmp(m->workflows[i].name, name) == 0)
			break;
		index++;
	}
	ctx->index = index;
}

/*
 * Run the plan statement and put its rows into out, or raise the error of
 * the first row that is a problem of the manifest.  Returns the number of
 * actions.  The caller is connected to SPI.
 */
static uint64
compute_plan(const WrManifest *m, bool allow_delete, WrApiVersion api,
			 Tuplestorestate *out, TupleDesc outdesc)
{
	Datum		values[MANIFEST_NARGS];
	SPITupleTable *rows;
	WrItemContext ctx;

	manifest_values(m, allow_delete, values);
	wr_execute_versioned(&statements,
						 api >= WR_API_1_8 ? MANIFEST_PLAN_1_8 : MANIFEST_PLAN,
						 api, values, NULL);
	rows = SPI_tuptable;

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = rows->vals[r];
		char	   *action = SPI_getvalue(tup, rows->tupdesc, 1);
		char	   *kind = SPI_getvalue(tup, rows->tupdesc, 2);
		char	   *name = SPI_getvalue(tup, rows->tupdesc, 3);
		char	   *key = SPI_getvalue(tup, rows->tupdesc, 4);
		char	   *old_value = SPI_getvalue(tup, rows->tupdesc, 5);
		char	   *new_value = SPI_getvalue(tup, rows->tupdesc, 6);

		if (strcmp(action, "conflict") == 0 || strcmp(action, "unlinked") == 0)
			push_entry_context(m, kind, name, &ctx);
		if (strcmp(action, "conflict") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("product \"%s\" in the manifest differs from the registered one",
							name),
					 errdetail("Key \"%s\" is \"%s\" in the registry but \"%s\" in the manifest.",
							   key, wr_clip(old_value), wr_clip(new_value)),
					 errhint("Products are not updated by a sync: delete the product first, or correct the manifest.")));
		if (strcmp(action, "unlinked") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("%s \"%s\" in the manifest would be linked to no product",
							kind, name),
					 errdetail("No product after the sync has %s \"%s\".",
							   key, wr_clip(new_value)),
					 errhint("Add the product to the manifest or register it first, or correct \"%s\".",
							 key)));
		if (out != NULL)
		{
			Datum		row[6];
			bool		nulls[6];

			for (int c = 0; c < 6; c++)
			{
				bool		isnull;

				row[c] = SPI_getbinval(tup, rows->tupdesc, c + 1, &isnull);
				nulls[c] = isnull;
			}
			tuplestore_putvalues(out, outdesc, row, nulls);
		}
	}
	return SPI_processed;
}

/* plan(): see the file header.  Writes nothing. */
void
wr_plan(Jsonb *manifest, bool allow_delete, WrApiVersion api,
		Tuplestorestate *out, TupleDesc outdesc)
{
	WrManifest	m;

	read_manifest(manifest, api, &m);
	SPI_connect();
	compute_plan(&m, allow_delete, api, out, outdesc);
	SPI_finish();
}

/*
 * sync(): apply the plan as the data migration "version", and return the
 * actions taken.  A plan with no action records nothing.
 */
void
wr_sync(Jsonb *manifest, const char *version, bool allow_delete,
		WrApiVersion api, Tuplestorestate *out, TupleDesc outdesc)
{
	WrManifest	m;
	Datum		values[MANIFEST_NARGS];
	Datum		steps_datum;
	Jsonb	   *steps;
	ArrayType  *requires;

	wr_check_migration_version(version);
	read_manifest(manifest, api, &m);

	SPI_connect();

	/*
	 * Attached, the workflows orchestrator-core registered itself since
	 * attach and that fit its rules are the registry's to sync (classify.c).
	 */
	wr_adopt_workflows((Datum) 0);
	if (compute_plan(&m, allow_delete, api, out, outdesc) == 0)
	{
		SPI_finish();
		return;
	}
	manifest_values(&m, allow_delete, values);
	wr_execute_versioned(&statements,
						 api >= WR_API_1_8 ? MANIFEST_STEPS_1_8 : MANIFEST_STEPS,
						 api, values, NULL);

	/*
	 * A value read from a result row may have a short (1-byte) varlena
	 * header, as any small value stored in a tuple does: it is read as a
	 * Jsonb only through DatumGetJsonbP, which gives it the full header;
	 * a plain cast would read a list of steps under 127 bytes (one delete,
	 * or none) as garbage.
	 */
	steps_datum = wr_result_datum_copy(1);
	SPI_finish();
	steps = DatumGetJsonbP(steps_datum);

	/* only link changes: nothing a step could do, so nothing to record */
	if (JB_ROOT_COUNT(steps) == 0)
		return;

	requires = construct_empty_array(TEXTOID);
	wr_apply_migration(version,
					   psprintf("Sync with a manifest of %d workflows and tasks, %d products",
								m.nworkflows, m.nproducts),
					   steps, requires, api);
}

/*
 * The default workflows named at attach, as a text[]: empty when the
 * registry is not attached.  The caller is connected to SPI.
 */
static Datum
attached_default_names(void)
{
	if (wr_attached_schema() != NULL)
	{
		wr_execute(&statements, MANIFEST_ATTACHED_DEFAULTS, NULL, NULL);
		if (SPI_processed == 1)
			return wr_result_datum_copy(1);
	}
	return PointerGetDatum(construct_empty_array(TEXTOID));
}

/*
 * check(): the differences between the workflows the code registers (an
 * array of names, or of {"name", "target"} objects, from 1.8 on with
 * "description" too) and the registry; from 1.8 on also the products that
 * orchestrator-core's task_validate_products finds fault with.  The result
 * rows have the columns of the SQL function of that version: four before
 * 1.8, six from 1.8 on.
 */
void
wr_check(Jsonb *code, WrApiVersion api, Tuplestorestate *out,
		 TupleDesc outdesc)
{
	int			n;
	WorkflowDef *defs;
	Datum		values[4];
	WrItemContext ctx;

	if (!JB_ROOT_IS_ARRAY(code) || JB_ROOT_IS_SCALAR(code))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("code workflows must be a JSON array"),
				 errdetail("check() takes the names the code registers, or objects with a name and a target."),
				 errhint("Write it as [\"create_user\", {\"name\": \"modify_user\", \"target\": \"MODIFY\"}].")));

	n = JB_ROOT_COUNT(code);
	defs = palloc0(Max(n, 1) * sizeof(WorkflowDef));
	wr_push_item_context(&ctx, "code_workflows", "");
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(&code->root, i);

		ctx.index = i;
		ctx.name = wr_item_name(e);
		if (e->type == jbvString)
		{
			defs[i].name = pnstrdup(e->val.string.val, e->val.string.len);
			wr_check_workflow_name(defs[i].name);
		}
		else if (e->type == jbvBinary && JsonContainerIsObject(e->val.binary.data))
			wr_parse_code_workflow(JsonbValueToJsonb(e), api, &defs[i]);
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a code workflow must be a name or a JSON object"),
					 errdetail("Each entry is \"name\" or {\"name\": ..., \"target\": ...}."),
					 errhint("Write the name in double quotes.")));
		ctx.name = defs[i].name;
		for (int j = 0; j < i; j++)
		{
			if (strcmp(defs[j].name, defs[i].name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_OBJECT),
						 errmsg("\"%s\" is listed twice", defs[i].name),
						 errhint("Keep one entry per name.")));
		}
	}
	wr_pop_item_context(&ctx);

	values[0] = wr_field_array(defs, sizeof(WorkflowDef), n, offsetof(WorkflowDef, name));
	values[1] = wr_field_array(defs, sizeof(WorkflowDef), n, offsetof(WorkflowDef, target));
	values[2] = wr_field_array(defs, sizeof(WorkflowDef), n, offsetof(WorkflowDef, description));

	SPI_connect();
	if (api >= WR_API_1_8)
	{
		values[3] = attached_default_names();
		wr_execute_versioned(&statements,
							 api >= WR_API_1_9 ? MANIFEST_CHECK_1_9 : MANIFEST_CHECK_1_8,
							 api, values, NULL);
	}
	else
		wr_execute_versioned(&statements, MANIFEST_CHECK, api, values, NULL);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		Datum		row[6];
		bool		nulls[6];

		/* the entry point checked outdesc against the SQL declaration */
		for (int c = 0; c < outdesc->natts; c++)
			row[c] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc,
								   c + 1, &nulls[c]);
		tuplestore_putvalues(out, outdesc, row, nulls);
	}
	SPI_finish();
}
