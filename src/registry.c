/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  Write validated definitions into the registry tables through SPI:
 *	  register and unregister workflows and products, and the writes of
 *	  migration steps that return their undo entry.
 *
 * A registration is one statement in the common cases: it reads the
 * existing row, inserts the new one and its product links (links.h), and
 * returns what the caller needs to decide between "created", "already
 * there, identical" and an error.  Every write takes the product-type lock
 * of links.c first, in the lock order written down there; a delete, which
 * learns the type only from the row, reads it without locking the row,
 * locks it, and deletes the row only if it still has that type.
 *
 * The undo entries of the migration steps are the rows they delete or
 * change, as jsonb, in the shape undo.c reads back.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "classify.h"
#include "links.h"
#include "message.h"
#include "miscadmin.h"
#include "notify.h"
#include "registry.h"
#include "spi.h"
#include "tables.h"
#include "undo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

typedef enum WrRegistryStatement
{
	REG_INSERT_WORKFLOW,
	REG_CREATE_WORKFLOW,
	REG_FIND_WORKFLOW,
	REG_WORKFLOW_TYPE,
	REG_DELETE_WORKFLOW,
	REG_CREATE_PRODUCT,
	REG_FIND_PRODUCT,
	REG_PRODUCT_TYPE,
	REG_DELETE_PRODUCT,
	REG_DELETE_WORKFLOW_UNDOABLY,
	REG_DELETE_PRODUCT_UNDOABLY,
	REG_WORKFLOW_FOR_UPDATE,
	REG_UPDATE_WORKFLOW,
	REG_PRODUCT_SUBSCRIPTIONS,
	REG_LOCK_WORKFLOW,
	REG_WORKFLOW_ID_TAKEN
} WrRegistryStatement;

/*
 * Parameters of the workflow statements: name, target, description,
 * product_type, is_task, product_tag, is_default, and the caller's
 * workflow_id (1.11; NULL when the registry chooses).
 */
#define WORKFLOW_ARGS \
	.nargs = 8, .argtypes = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, TEXTOID, BOOLOID, \
	TEXTOID}

/* The id of a new workflow: the caller's, or a new random one. */
#define NEW_WORKFLOW_ID "COALESCE($8::pg_catalog.uuid, pg_catalog.gen_random_uuid())"

/* Parameters of the product statements: name, description, product_type,
 * tag, status. */
#define PRODUCT_ARGS \
	.nargs = 5, .argtypes = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID}

#define NAME_ARG .nargs = 1, .argtypes = {TEXTOID}

/*
 * The deletes: name and product type.  They delete the row only if it
 * still has the type the caller locked (delete_under_type_lock).
 */
#define NAME_TYPE_ARGS .nargs = 2, .argtypes = {TEXTOID, TEXTOID}
#define WORKFLOW_OF_TYPE(w) \
	" " w ".name OPERATOR(pg_catalog.=) $1" \
	" AND (" w ".product_type OPERATOR(pg_catalog.=) $2" \
	" OR (" w ".product_type IS NULL AND $2 IS NULL))"
#define PRODUCT_OF_TYPE(p) \
	" " p ".name OPERATOR(pg_catalog.=) $1" \
	" AND " p ".product_type OPERATOR(pg_catalog.=) $2"

static char *build_insert_workflow(WrApiVersion api);
static char *build_create_workflow(WrApiVersion api);
static char *build_find_workflow(WrApiVersion api);
static char *build_create_product(WrApiVersion api);
static char *build_workflow_for_update(WrApiVersion api);
static char *build_update_workflow(WrApiVersion api);
static char *attached_insert_workflow(const char *schema);
static char *attached_create_workflow(const char *schema);
static char *attached_find_workflow(const char *schema);
static char *attached_workflow_type(const char *schema);
static char *attached_delete(const char *schema, const char *entry,
							 const char *result);
static char *attached_delete_workflow(const char *schema);
static char *attached_create_product(const char *schema);
static char *attached_product_subscriptions(const char *schema);
static char *attached_lock_workflow(const char *schema);
static void check_no_subscriptions(const char *name);
static char *attached_workflow_id_taken(const char *schema);
static void check_workflow_id_free(const WorkflowDef *def);

static char *attached_delete_workflow_undoably(const char *schema);
static char *attached_workflow_for_update(const char *schema);
static char *attached_update_workflow(const char *schema);
static char *find_product(const WrTables *t);
static char *product_type(const WrTables *t);
static char *delete_product(const WrTables *t);
static char *delete_product_undoably(const WrTables *t);

static const WrStatement registry_sql[] = {
	/*
	 * The common case, a new name whose product type (and tag) matches, in
	 * one short statement: insert the row and its links and return the id.
	 * Anything else inserts nothing and returns no row, and
	 * REG_CREATE_WORKFLOW finds out why.
	 */
	[REG_INSERT_WORKFLOW] = {
		.build = build_insert_workflow, .attached = attached_insert_workflow,
		WORKFLOW_ARGS
	},

	/*
	 * Insert only when no row of that name is visible and the product type
	 * (and tag) match a product; a task has no product type and no links.
	 * ON CONFLICT covers a concurrent registration of the same name, which
	 * the caller then looks up with a new snapshot.  Returns the new id,
	 * the number of products of the type and of those linked, and the
	 * registered row.
	 */
	[REG_CREATE_WORKFLOW] = {
		.build = build_create_workflow, .attached = attached_create_workflow,
		WORKFLOW_ARGS
	},
	[REG_FIND_WORKFLOW] = {
		.build = build_find_workflow, .attached = attached_find_workflow,
		NAME_ARG
	},
	/* the type as registered now, without locking the row */
	[REG_WORKFLOW_TYPE] = {
		.sql = "SELECT w.product_type::pg_catalog.text"
		" FROM workflow_registry.workflows AS w"
		" WHERE w.name OPERATOR(pg_catalog.=) $1",
		.attached = attached_workflow_type,
		NAME_ARG
	},
	[REG_DELETE_WORKFLOW] = {
		.sql = "DELETE FROM workflow_registry.workflows AS w"
		" WHERE" WORKFLOW_OF_TYPE("w")
		" RETURNING w.workflow_id",
		.attached = attached_delete_workflow,
		NAME_TYPE_ARGS
	},

	/*
	 * A new product is linked at once to the workflows of its type (from
	 * 1.2 on, by the link rule with tags).  Returns the new id and the
	 * registered row.
	 */
	[REG_CREATE_PRODUCT] = {
		.build = build_create_product, .attached = attached_create_product,
		PRODUCT_ARGS
	},
	[REG_FIND_PRODUCT] = {
		.tables = find_product,
		NAME_ARG
	},
	/* the type as registered now, without locking the row */
	[REG_PRODUCT_TYPE] = {
		.tables = product_type,
		NAME_ARG
	},
	/* attached, orchestrator-core's subscriptions were checked before */
	[REG_DELETE_PRODUCT] = {
		.tables = delete_product,
		NAME_TYPE_ARGS
	},

	/*
	 * The statements of migration steps need the 1.3 tables.  The deletes
	 * return the undo entry and the product type.
	 */
	[REG_DELETE_WORKFLOW_UNDOABLY] = {
		.sql = "WITH d AS ("
		" DELETE FROM workflow_registry.workflows AS w"
		" WHERE" WORKFLOW_OF_TYPE("w") " RETURNING w.*)"
		" SELECT" WR_UNDO_WORKFLOW_ENTRY(WR_UNDO_NAME_RESTORE_WORKFLOW, "d", "workflow_registry.products_workflows") ","
		" d.product_type::pg_catalog.text"
		" FROM d",
		.attached = attached_delete_workflow_undoably,
		NAME_TYPE_ARGS
	},
	[REG_DELETE_PRODUCT_UNDOABLY] = {
		.tables = delete_product_undoably,
		NAME_TYPE_ARGS
	},
	/* the row to change, and the entry that restores its values */
	[REG_WORKFLOW_FOR_UPDATE] = {
		.build = build_workflow_for_update,
		.attached = attached_workflow_for_update,
		NAME_ARG
	},
	/* new values, links recomputed; returns the counts REG_CREATE_WORKFLOW does */
	[REG_UPDATE_WORKFLOW] = {
		.build = build_update_workflow,
		.attached = attached_update_workflow,
		WORKFLOW_ARGS
	},
	/* attached only: the subscriptions of a product */
	[REG_PRODUCT_SUBSCRIPTIONS] = {
		.attached = attached_product_subscriptions,
		NAME_ARG
	},
	/* attached only: the workflow a delete of name and type will delete */
	[REG_LOCK_WORKFLOW] = {
		.attached = attached_lock_workflow,
		NAME_TYPE_ARGS
	},

	/*
	 * A caller-chosen id $2 that another name $1 has: that workflow's name,
	 * whether it is soft-deleted, and its id (check_workflow_id_free).
	 */
	[REG_WORKFLOW_ID_TAKEN] = {
		.sql = "SELECT w.name::pg_catalog.text, false, w.workflow_id::pg_catalog.text"
		" FROM workflow_registry.workflows AS w"
		" WHERE w.workflow_id OPERATOR(pg_catalog.=) $2::pg_catalog.uuid"
		" AND w.name OPERATOR(pg_catalog.<>) $1",
		.attached = attached_workflow_id_taken,
		.nargs = 2, .argtypes = {TEXTOID, TEXTOID}
	},
};

static WrStatements statements = WR_STATEMENTS(registry_sql);

static char *
find_product(const WrTables *t)
{
	return psprintf("SELECT p.product_id, p.description::pg_catalog.text,"
					" p.product_type::pg_catalog.text, p.tag::pg_catalog.text,"
					" p.status::pg_catalog.text"
					" FROM %s AS p"
					" WHERE p.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE",
					t->products);
}

static char *
product_type(const WrTables *t)
{
	return psprintf("SELECT p.product_type::pg_catalog.text FROM %s AS p"
					" WHERE p.name OPERATOR(pg_catalog.=) $1",
					t->products);
}

static char *
delete_product(const WrTables *t)
{
	return psprintf("DELETE FROM %s AS p WHERE" PRODUCT_OF_TYPE("p")
					" RETURNING p.product_id",
					t->products);
}

/*
 * The undo entry restores the row and its links (attached,
 * orchestrator-core's subscriptions were checked before:
 * delete_under_type_lock).
 */
static char *
delete_product_undoably(const WrTables *t)
{
	return psprintf("WITH d AS ("
					" DELETE FROM %1$s AS p"
					" WHERE" PRODUCT_OF_TYPE("p") " RETURNING p.*)"
					" SELECT" WR_UNDO_PRODUCT_ENTRY("d", "%2$s") ","
					" d.product_type::pg_catalog.text"
					" FROM d",
					t->products, t->links);
}

/* A key of a definition, as registered and as given; NULL is "not set". */
typedef struct WrField
{
	const char *key;
	char	   *registered;
	const char *given;
} WrField;

/*
 * How to register one kind of row: the statement that inserts it unless
 * a row of its name is visible, the one that looks that row up again with
 * a new snapshot, and the comparison of the two.
 */
typedef struct WrRegistration
{
	const char *what;			/* "workflow" or "product" */
	const char *table;			/* orchestrator-core's, attached */
	WrRegistryStatement create;
	WrRegistryStatement find;
	int			first;			/* column of the registered row in create */
	bool		(*matches) (const void *def, HeapTuple tup, TupleDesc desc,
							int first, pg_uuid_t *id);
	void		(*check_links) (const void *def, HeapTuple tup, TupleDesc desc);
	WrChange	created;
} WrRegistration;

static bool workflow_matches(const void *def, HeapTuple tup, TupleDesc desc,
							 int first, pg_uuid_t *id);
static void check_workflow_links(const void *def, HeapTuple tup,
								 TupleDesc desc);
static bool product_matches(const void *def, HeapTuple tup, TupleDesc desc,
							int first, pg_uuid_t *id);
static bool register_row(const WrRegistration *how, const void *def,
						 const char *name, WrApiVersion api, Datum *values, const char *nulls,
						 pg_uuid_t *id);
static void report_difference(const char *what, const char *name,
							  const char *delete_function,
							  const WrField *fields, int nfields);
static void workflow_values(const WorkflowDef *def, Datum *values,
							char *nulls);
static Datum unregister_undoably(bool workflow, const char *name,
								 char **product_type);

static const WrRegistration workflow_registration = {
	"workflow", "workflows", REG_CREATE_WORKFLOW, REG_FIND_WORKFLOW, 4,
	workflow_matches, check_workflow_links, WR_WORKFLOW_CREATED
};

static const WrRegistration product_registration = {
	"product", "products", REG_CREATE_PRODUCT, REG_FIND_PRODUCT, 2,
	product_matches, NULL, WR_PRODUCT_CREATED
};

/*
 * Columns of a registered workflow, in the order
 * wr_registered_workflow_matches reads them.  Versions before 1.1 have no
 * is_task and before 1.2 no product_tag; their constant stand-ins keep the
 * shape the same.
 */
const char *
wr_workflow_columns(WrApiVersion api)
{
	if (api >= WR_API_1_8)
		return "w.workflow_id, w.target::pg_catalog.text, w.description, "
			"w.product_type, w.is_task, w.product_tag, w.is_default";
	if (api >= WR_API_1_2)
		return "w.workflow_id, w.target::pg_catalog.text, w.description, "
			"w.product_type, w.is_task, w.product_tag, false";
	if (api >= WR_API_1_1)
		return "w.workflow_id, w.target::pg_catalog.text, w.description, "
			"w.product_type, w.is_task, NULL::pg_catalog.varchar, false";
	return "w.workflow_id, w.target::pg_catalog.text, w.description, "
		"w.product_type, false, NULL::pg_catalog.varchar, false";
}

/* The columns a registration inserts, and the parameters it takes them from. */
static const char *
workflow_insert_columns(WrApiVersion api)
{
	if (api >= WR_API_1_11)
		return "name, target, description, product_type, is_task, product_tag, is_default,"
			" workflow_id";
	if (api >= WR_API_1_8)
		return "name, target, description, product_type, is_task, product_tag, is_default";
	if (api >= WR_API_1_2)
		return "name, target, description, product_type, is_task, product_tag";
	if (api >= WR_API_1_1)
		return "name, target, description, product_type, is_task";
	return "name, target, description, product_type";
}

static const char *
workflow_insert_values(WrApiVersion api)
{
	if (api >= WR_API_1_11)
		return "$1, $2::workflow_registry.target, $3, $4, $5, $6, $7, " NEW_WORKFLOW_ID;
	if (api >= WR_API_1_8)
		return "$1, $2::workflow_registry.target, $3, $4, $5, $6, $7";
	if (api >= WR_API_1_2)
		return "$1, $2::workflow_registry.target, $3, $4, $5, $6";
	if (api >= WR_API_1_1)
		return "$1, $2::workflow_registry.target, $3, $4, $5";
	return "$1, $2::workflow_registry.target, $3, $4";
}

/*
 * The link rule of a workflow of product type $4, tag $6 and (from 1.8)
 * default flag $7, against the products p.
 */
static const char *
workflow_link_rule(WrApiVersion api)
{
	if (api >= WR_API_1_8)
		return WR_LINK_RULE_1_8("p.product_type", "p.tag", "$4", "$6", "$7");
	return WR_LINK_RULE("p.product_type", "p.tag", "$4", "$6");
}

static char *
build_insert_workflow(WrApiVersion api)
{
	return psprintf("WITH inserted AS ("
					" INSERT INTO workflow_registry.workflows (%s)"
					" SELECT %s"
					" WHERE $4 IS NULL OR EXISTS (" WR_LINKED_PRODUCTS("$4", "$6") ")"
					" ON CONFLICT (name) DO NOTHING"
					" RETURNING workflow_id),"
					" linked AS ("
					" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
					" SELECT p.product_id, i.workflow_id"
					" FROM inserted AS i JOIN workflow_registry.products AS p"
					" ON%s)"
					" SELECT i.workflow_id FROM inserted AS i",
					workflow_insert_columns(api),
					workflow_insert_values(api),
					workflow_link_rule(api));
}

static char *
build_create_workflow(WrApiVersion api)
{
	return psprintf("WITH existing AS ("
					" SELECT %s FROM workflow_registry.workflows AS w"
					" WHERE w.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE),"
					" candidate AS ("
					" SELECT p.product_id FROM workflow_registry.products AS p"
					" WHERE p.product_type OPERATOR(pg_catalog.=) $4),"
					" linkable AS ("
					" SELECT p.product_id FROM workflow_registry.products AS p WHERE%s),"
					" inserted AS ("
					" INSERT INTO workflow_registry.workflows (%s)"
					" SELECT %s"
					" WHERE NOT EXISTS (SELECT FROM existing)"
					" AND ($4 IS NULL OR EXISTS (SELECT FROM linkable))"
					" ON CONFLICT (name) DO NOTHING"
					" RETURNING workflow_id),"
					" linked AS ("
					" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
					" SELECT l.product_id, i.workflow_id"
					" FROM linkable AS l CROSS JOIN inserted AS i)"
					" SELECT (SELECT i.workflow_id FROM inserted AS i),"
					" (SELECT pg_catalog.count(*) FROM candidate),"
					" (SELECT pg_catalog.count(*) FROM linkable),"
					" e.*"
					" FROM (VALUES (1)) AS one LEFT JOIN existing AS e ON true",
					wr_workflow_columns(api),
					workflow_link_rule(api),
					workflow_insert_columns(api),
					workflow_insert_values(api));
}

static char *
build_find_workflow(WrApiVersion api)
{
	return psprintf("SELECT %s FROM workflow_registry.workflows AS w"
					" WHERE w.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE",
					wr_workflow_columns(api));
}

static char *
build_create_product(WrApiVersion api)
{
	return psprintf("WITH existing AS ("
					" SELECT p.product_id, p.description, p.product_type, p.tag, p.status"
					" FROM workflow_registry.products AS p"
					" WHERE p.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE),"
					" inserted AS ("
					" INSERT INTO workflow_registry.products"
					" (name, description, product_type, tag, status)"
					" SELECT $1, $2, $3, $4, $5"
					" WHERE NOT EXISTS (SELECT FROM existing)"
					" ON CONFLICT (name) DO NOTHING"
					" RETURNING product_id),"
					" linked AS ("
					" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
					" SELECT i.product_id, w.workflow_id"
					" FROM inserted AS i"
					" JOIN workflow_registry.workflows AS w ON%s)"
					" SELECT (SELECT i.product_id FROM inserted AS i), e.*"
					" FROM (VALUES (1)) AS one LEFT JOIN existing AS e ON true",
					api >= WR_API_1_8 ?
					WR_LINK_RULE_1_8("$3", "$4", "w.product_type", "w.product_tag",
									 "w.is_default") :
					api >= WR_API_1_2 ?
					WR_LINK_RULE("$3", "$4", "w.product_type", "w.product_tag") :
					WR_LINK_RULE_1_0("$3", "w.product_type"));
}

/*
 * The row an update_workflow step changes, and the entry that restores its
 * values; from 1.8 with is_default (a constant before).
 */
static char *
build_workflow_for_update(WrApiVersion api)
{
	return psprintf("SELECT w.target::pg_catalog.text, w.description, w.product_type, w.is_task,"
					" w.product_tag," WR_UNDO_WORKFLOW_ENTRY(WR_UNDO_NAME_RESTORE_WORKFLOW_VALUES, "w", "workflow_registry.products_workflows") ","
					" %s"
					" FROM workflow_registry.workflows AS w"
					" WHERE w.name OPERATOR(pg_catalog.=) $1 FOR UPDATE",
					api >= WR_API_1_8 ? "w.is_default" : "false");
}

static char *
build_update_workflow(WrApiVersion api)
{
	return psprintf("WITH candidate AS ("
					" SELECT p.product_id FROM workflow_registry.products AS p"
					" WHERE p.product_type OPERATOR(pg_catalog.=) $4),"
					" linkable AS ("
					" SELECT p.product_id FROM workflow_registry.products AS p WHERE%s),"
					" updated AS ("
					" UPDATE workflow_registry.workflows AS w"
					" SET target = $2::workflow_registry.target, description = $3,"
					" product_type = $4, is_task = $5, product_tag = $6%s"
					" WHERE w.name OPERATOR(pg_catalog.=) $1"
					" AND ($4 IS NULL OR EXISTS (SELECT FROM linkable))"
					" RETURNING w.workflow_id),"
					" unlinked AS ("
					" DELETE FROM workflow_registry.products_workflows AS pw USING updated AS u"
					" WHERE pw.workflow_id OPERATOR(pg_catalog.=) u.workflow_id"
					" AND pw.product_id OPERATOR(pg_catalog.<>) ALL (SELECT product_id FROM linkable)),"
					" linked AS ("
					" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
					" SELECT l.product_id, u.workflow_id FROM linkable AS l CROSS JOIN updated AS u"
					" ON CONFLICT DO NOTHING)"
					" SELECT (SELECT pg_catalog.count(*) FROM updated),"
					" (SELECT pg_catalog.count(*) FROM candidate),"
					" (SELECT pg_catalog.count(*) FROM linkable)",
					workflow_link_rule(api),
					api >= WR_API_1_8 ? ", is_default = $7" : "");
}

/*
 * The same statements for a registry attached to orchestrator-core's
 * tables (attach.c): its workflows, products and products_workflows in the
 * attached schema, and the product type and tag of each workflow the
 * registry manages in workflow_registry.attached_workflows.  A workflow of
 * orchestrator-core's table that has no such row is registered all the
 * same (its name is taken), with no product type.  A soft-deleted workflow
 * is not registered; registering its name again brings the same row back
 * (its processes keep their workflow), with the new definition.  The
 * products' links of a new product are the trigger's (link_new_product).
 */

/* the registered workflow of name $1, as wr_workflow_columns gives it */
#define ATTACHED_WORKFLOW(schema) \
	psprintf(" SELECT %s" \
			 " FROM %s AS w LEFT JOIN workflow_registry.attached_workflows AS m" \
			 " ON m.workflow_id OPERATOR(pg_catalog.=) w.workflow_id" \
			 " WHERE w.name OPERATOR(pg_catalog.=) $1 AND w.deleted_at IS NULL" \
			 " FOR KEY SHARE OF w", \
			 wr_attached_workflow_columns(), \
			 wr_attached_table(schema, "workflows"))

/*
 * The products of an attached schema a workflow of type $4, tag $6 and
 * default flag $7 is linked to, locked against a delete: orchestrator-core
 * deletes products with a plain DELETE, without the product-type lock, and
 * a link to one it deleted meanwhile would fail on its foreign key; locked
 * first, such a product is left out instead.
 */
#define ATTACHED_LINKED(schema) \
	psprintf(" SELECT p.product_id FROM %s AS p WHERE" \
			 WR_LINK_RULE_1_8("p.product_type", "p.tag", "$4", "$6", "$7") \
			 " FOR KEY SHARE OF p", \
			 wr_attached_table(schema, "products"))

/*
 * The products are read once, in one CTE that both the check and the links
 * read: each is locked once, by one LockRows, and the first one the check
 * needs is all it locks before the insert.
 */
static char *
attached_insert_workflow(const char *schema)
{
	return psprintf("WITH linkable AS (%3$s),"
					" inserted AS ("
					" INSERT INTO %1$s AS w (workflow_id, name, target, description, is_task)"
					" SELECT " NEW_WORKFLOW_ID ", $1, $2, $3, $5"
					" WHERE $4 IS NULL OR EXISTS (SELECT FROM linkable)"
					" ON CONFLICT (name) DO NOTHING"
					" RETURNING w.workflow_id),"
					" meta AS ("
					" INSERT INTO workflow_registry.attached_workflows"
					" (workflow_id, product_type, product_tag, is_default)"
					" SELECT i.workflow_id, $4, $6, $7 FROM inserted AS i),"
					" linked AS ("
					" INSERT INTO %2$s (product_id, workflow_id)"
					" SELECT l.product_id, i.workflow_id"
					" FROM linkable AS l CROSS JOIN inserted AS i)"
					" SELECT i.workflow_id FROM inserted AS i",
					wr_attached_table(schema, "workflows"),
					wr_attached_table(schema, "products_workflows"),
					ATTACHED_LINKED(schema));
}

static char *
attached_create_workflow(const char *schema)
{
	return psprintf("WITH existing AS (%4$s),"
					" candidate AS ("
					" SELECT p.product_id FROM %3$s AS p"
					" WHERE p.product_type OPERATOR(pg_catalog.=) $4),"
					" linkable AS (%5$s),"
					" inserted AS ("
					" INSERT INTO %1$s AS w (workflow_id, name, target, description, is_task)"
					" SELECT " NEW_WORKFLOW_ID ", $1, $2, $3, $5"
					" WHERE NOT EXISTS (SELECT FROM existing)"
					" AND ($4 IS NULL OR EXISTS (SELECT FROM linkable))"
					WR_REVIVE_SOFT_DELETED("w")
					" RETURNING w.workflow_id),"
					" meta AS ("
					WR_RECORD_ATTACHED("SELECT i.workflow_id, $4, $6, $7 FROM inserted AS i") "),"
					" linked AS ("
					" INSERT INTO %2$s (product_id, workflow_id)"
					" SELECT l.product_id, i.workflow_id"
					" FROM linkable AS l CROSS JOIN inserted AS i"
					" ON CONFLICT DO NOTHING)"
					" SELECT (SELECT i.workflow_id FROM inserted AS i),"
					" (SELECT pg_catalog.count(*) FROM candidate),"
					" (SELECT pg_catalog.count(*) FROM linkable),"
					" e.*"
					" FROM (VALUES (1)) AS one LEFT JOIN existing AS e ON true",
					wr_attached_table(schema, "workflows"),
					wr_attached_table(schema, "products_workflows"),
					wr_attached_table(schema, "products"),
					ATTACHED_WORKFLOW(schema),
					ATTACHED_LINKED(schema));
}

/*
 * Attached, orchestrator-core keeps a soft-deleted row for the processes
 * that ran it, and registering its name again brings that row back, with
 * its id: a caller-chosen id also may not differ from that row's.
 */
static char *
attached_workflow_id_taken(const char *schema)
{
	return psprintf("SELECT w.name::pg_catalog.text, w.deleted_at IS NOT NULL,"
					" w.workflow_id::pg_catalog.text"
					" FROM %1$s AS w"
					" WHERE w.workflow_id OPERATOR(pg_catalog.=) $2::pg_catalog.uuid"
					" AND w.name OPERATOR(pg_catalog.<>) $1"
					" UNION ALL"
					" SELECT w.name::pg_catalog.text, true, w.workflow_id::pg_catalog.text"
					" FROM %1$s AS w"
					" WHERE w.name OPERATOR(pg_catalog.=) $1 AND w.deleted_at IS NOT NULL"
					" AND w.workflow_id OPERATOR(pg_catalog.<>) $2::pg_catalog.uuid",
					wr_attached_table(schema, "workflows"));
}

static char *
attached_find_workflow(const char *schema)
{
	return ATTACHED_WORKFLOW(schema);
}

static char *
attached_workflow_type(const char *schema)
{
	return psprintf("SELECT m.product_type::pg_catalog.text"
					" FROM %s AS w LEFT JOIN workflow_registry.attached_workflows AS m"
					" ON m.workflow_id OPERATOR(pg_catalog.=) w.workflow_id"
					" WHERE w.name OPERATOR(pg_catalog.=) $1 AND w.deleted_at IS NULL",
					wr_attached_table(schema, "workflows"));
}

/*
 * Delete the workflow of name $1 and product type $2 (tables.c tells how);
 * "entry" and "result" as there.
 */
#define ATTACHED_OF_TYPE \
	"w.name OPERATOR(pg_catalog.=) $1" \
	" AND (m.product_type OPERATOR(pg_catalog.=) $2" \
	" OR (m.product_type IS NULL AND $2 IS NULL))"

static char *
attached_delete(const char *schema, const char *entry, const char *result)
{
	return wr_attached_delete_workflow(schema, ATTACHED_OF_TYPE, entry, result);
}

static char *
attached_lock_workflow(const char *schema)
{
	return wr_attached_lock_workflow(schema, ATTACHED_OF_TYPE);
}

static char *
attached_delete_workflow(const char *schema)
{
	return attached_delete(schema, "", "t.workflow_id");
}

static char *
attached_create_product(const char *schema)
{
	return psprintf("WITH existing AS ("
					" SELECT p.product_id, p.description::pg_catalog.text,"
					" p.product_type::pg_catalog.text, p.tag::pg_catalog.text,"
					" p.status::pg_catalog.text"
					" FROM %1$s AS p"
					" WHERE p.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE),"
					" inserted AS ("
					" INSERT INTO %1$s AS p (name, description, product_type, tag, status)"
					" SELECT $1, $2, $3, $4, $5"
					" WHERE NOT EXISTS (SELECT FROM existing)"
					" ON CONFLICT (name) DO NOTHING"
					" RETURNING p.product_id)"
					" SELECT (SELECT i.product_id FROM inserted AS i), e.*"
					" FROM (VALUES (1)) AS one LEFT JOIN existing AS e ON true",
					wr_attached_table(schema, "products"));
}

static char *
attached_product_subscriptions(const char *schema)
{
	if (!wr_attached_table_exists(schema, "subscriptions"))
		return pstrdup("SELECT 0::pg_catalog.int8 WHERE $1 IS NOT NULL");
	return psprintf("SELECT pg_catalog.count(*) FROM %s AS s"
					" JOIN %s AS p ON p.product_id OPERATOR(pg_catalog.=) s.product_id"
					" WHERE p.name OPERATOR(pg_catalog.=) $1",
					wr_attached_table(schema, "subscriptions"),
					wr_attached_table(schema, "products"));
}

static void
workflow_values(const WorkflowDef *def, Datum *values, char *nulls)
{
	values[0] = wr_text_or_null(def->name, &nulls[0]);
	values[1] = wr_text_or_null(def->target, &nulls[1]);
	values[2] = wr_text_or_null(def->description, &nulls[2]);
	values[3] = wr_text_or_null(def->product_type, &nulls[3]);
	values[4] = BoolGetDatum(def->is_task);
	nulls[4] = ' ';
	values[5] = wr_text_or_null(def->product_tag, &nulls[5]);
	values[6] = BoolGetDatum(def->is_default);
	nulls[6] = ' ';
	values[7] = wr_text_or_null(def->workflow_id, &nulls[7]);
}

/*
 * Register a workflow or task and store its id in *id, and in *created
 * whether it is new.  A definition equal to the registered one returns the
 * registered id and writes nothing; a different one under the same name is
 * an error, as is a product type or tag that matches no product.
 */
void
wr_register_workflow(const WorkflowDef *def, WrApiVersion api, pg_uuid_t *id,
					 bool *created)
{
	Datum		values[8];
	char		nulls[8];

	if (def->product_type != NULL)
		wr_lock_product_type(def->product_type, ShareLock);
	else if (def->is_default)
		wr_lock_default_workflows(ShareLock, true, api);
	workflow_values(def, values, nulls);

	SPI_connect();
	if (def->workflow_id != NULL)
		check_workflow_id_free(def);

	/* a new workflow: one short statement */
	wr_execute_versioned(&statements, REG_INSERT_WORKFLOW, api, values, nulls);
	if (SPI_processed == 1)
	{
		wr_get_uuid(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, id);
		*created = true;
		wr_notify_change(WR_WORKFLOW_CREATED, 1);
	}
	else
	{
		/* a name orchestrator-core registered itself: adopted if it fits */
		wr_adopt_workflow(def->name);
		*created = register_row(&workflow_registration, def, def->name, api,
								values, nulls, id);
	}
	SPI_finish();
}

/*
 * Register a product and store its id in *id (and in *created whether it is
 * new), linking it to the registered workflows of its type.  Repeating an
 * identical definition returns the registered id; a different one under the
 * same name is an error.
 */
void
wr_register_product(const ProductDef *def, WrApiVersion api, pg_uuid_t *id,
					bool *created)
{
	Datum		values[5];
	char		nulls[5];

	wr_lock_product_type(def->product_type, ExclusiveLock);
	wr_lock_default_workflows(RowExclusiveLock, true, api);

	values[0] = wr_text_or_null(def->name, &nulls[0]);
	values[1] = wr_text_or_null(def->description, &nulls[1]);
	values[2] = wr_text_or_null(def->product_type, &nulls[2]);
	values[3] = wr_text_or_null(def->tag, &nulls[3]);
	values[4] = wr_text_or_null(def->status, &nulls[4]);

	SPI_connect();
	*created = register_row(&product_registration, def, def->name, api,
							values, nulls, id);
	SPI_finish();
}

/*
 * Insert a row unless one of its name is registered, and store the id of
 * the new or the registered one in *id; returns whether it is new.  A row
 * registered with a different definition is an error.  The caller holds
 * the product-type lock and is connected to SPI.
 */
static bool
register_row(const WrRegistration *how, const void *def, const char *name,
			 WrApiVersion api, Datum *values, const char *nulls, pg_uuid_t *id)
{
	for (;;)
	{
		HeapTuple	tup;
		TupleDesc	desc;
		bool		isnull;

		wr_execute_versioned(&statements, how->create, api, values, nulls);
		if (SPI_processed != 1)
			elog(ERROR, "%s registration returned " UINT64_FORMAT " rows",
				 how->what, (uint64) SPI_processed);
		tup = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;

		(void) SPI_getbinval(tup, desc, 1, &isnull);
		if (!isnull)
		{
			wr_get_uuid(tup, desc, 1, id);
			wr_notify_change(how->created, 1);
			return true;
		}
		if (how->matches(def, tup, desc, how->first, id))
			return false;
		if (how->check_links)
			how->check_links(def, tup, desc);

		/*
		 * Another transaction registered the name after our snapshot was
		 * taken and has committed (under another product type, for a
		 * product, so our lock did not wait for it): look at its row with a
		 * new snapshot ...
		 */
		wr_execute_versioned(&statements, how->find, api, values, nulls);
		if (SPI_processed == 1 &&
			how->matches(def, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
						 id))
			return false;

		/*
		 * ... and if it has been deleted again meanwhile, start over; unless
		 * no row of the name was ever there, and a trigger of
		 * orchestrator-core's role suppressed ours.
		 */
		if (SPI_processed == 0)
			wr_check_not_suppressed(how->table, TRIGGER_TYPE_INSERT, "insert",
									how->what, name);
		CHECK_FOR_INTERRUPTS();
	}
}

/* The counts of REG_CREATE_WORKFLOW: is the new workflow linked? */
static void
check_workflow_links(const void *arg, HeapTuple tup, TupleDesc desc)
{
	const WorkflowDef *def = arg;
	int64		of_type = wr_get_int8(tup, desc, 2);

	if (def->product_type != NULL &&
		(of_type == 0 ||
		 (def->product_tag != NULL && wr_get_int8(tup, desc, 3) == 0)))
		wr_report_unlinked(def->name, def->product_type, def->product_tag,
						   of_type > 0);
}

/*
 * The product type of the workflow (or product) "name" as registered now,
 * read without locking the row: NULL for a task or if there is none.  For
 * the callers that lock the types of several rows before they lock any
 * (the lock order in links.c).  The caller is connected to SPI; the value
 * is in its memory.
 */
char *
wr_registered_type(bool workflow, const char *name, bool *found)
{
	Datum		values[1];

	values[0] = CStringGetTextDatum(name);
	wr_execute(&statements, workflow ? REG_WORKFLOW_TYPE : REG_PRODUCT_TYPE,
			   values, NULL);
	if (found)
		*found = SPI_processed == 1;
	return SPI_processed == 1 ? wr_result_text(1) : NULL;
}

/*
 * Delete the workflow (or product) "name" with statement "which", whose
 * parameters are the name and the product type and which deletes only a
 * row of that type, under the lock on that type taken before the row is
 * locked (the lock order in links.c): share mode for a workflow, as its
 * registration takes it, exclusive for a product.  Returns false if no row
 * of that name exists; otherwise SPI_tuptable holds what "which" returned.
 * The caller is connected to SPI.
 */
static bool
delete_under_type_lock(bool workflow, WrRegistryStatement which,
					   const char *name)
{
	LOCKMODE	mode = workflow ? ShareLock : ExclusiveLock;
	LOCKMODE	default_mode = workflow ? ShareLock : RowExclusiveLock;
	char	   *locked = NULL;
	bool		default_locked = false;
	Datum		values[2];
	char		nulls[2] = {' ', ' '};

	values[0] = CStringGetTextDatum(name);
	for (;;)
	{
		bool		found;
		char	   *type = wr_registered_type(workflow, name, &found);

		/*
		 * Changed or gone since the last round: let go of what it took, so
		 * that the locks are taken again in their order.
		 */
		if (locked != NULL && (type == NULL || strcmp(type, locked) != 0))
		{
			if (default_locked)
				wr_unlock_default_workflows(default_mode);
			default_locked = false;
			wr_unlock_product_type(locked, mode);
			locked = NULL;
		}
		if (!found)
			return false;
		if (type != NULL && locked == NULL)
		{
			wr_lock_product_type(type, mode);
			locked = type;
		}

		/*
		 * A product, and a workflow without a type (which may be a default
		 * one), also change the default workflows' links.
		 */
		if ((!workflow || type == NULL) && !default_locked)
		{
			wr_lock_default_workflows(default_mode, false, WR_API_1_0);
			default_locked = true;
		}

		/*
		 * attached, orchestrator-core's subscriptions keep a product, and
		 * its scheduler's schedules a workflow
		 */
		if (!workflow && wr_attached_schema() != NULL)
			check_no_subscriptions(name);
		values[1] = wr_text_or_null(type, &nulls[1]);
		if (workflow && wr_attached_schema() != NULL)
		{
			wr_check_no_schedules(name, NULL, name);
			wr_execute(&statements, REG_LOCK_WORKFLOW, values, nulls);
		}
		wr_execute(&statements, which, values, nulls);
		if (SPI_processed == 1)
			return true;
		/* attached, a delete may be a soft one, an UPDATE */
		wr_check_not_suppressed(workflow ? "workflows" : "products",
								TRIGGER_TYPE_DELETE | TRIGGER_TYPE_UPDATE,
								"delete", workflow ? "workflow" : "product",
								name);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Delete a workflow or task and, through the foreign keys, its links,
 * under the share lock on its product type, as its registration took it.
 */
void
wr_unregister_workflow(const char *name, bool if_exists)
{
	SPI_connect();
	if (!delete_under_type_lock(true, REG_DELETE_WORKFLOW, name))
	{
		if (!if_exists)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("workflow \"%s\" does not exist", wr_clip(name)),
					 errdetail("No workflow or task of that name is registered."),
					 errhint("Check the name, or pass if_exists => true to ignore a missing workflow.")));
		ereport(NOTICE,
				(errmsg("workflow \"%s\" does not exist, skipping",
						wr_clip(name))));
	}
	else
		wr_notify_change(WR_WORKFLOW_DELETED, 1);
	SPI_finish();
}

/*
 * A caller-chosen id must not be another workflow's.  Checked before the
 * insert, under the product-type lock; two transactions that choose one id
 * for two names at the same moment meet at the primary key instead, which
 * raises 23505 for the later one, as orchestrator-core's own helper does.
 * The caller is connected to SPI.
 */
static void
check_workflow_id_free(const WorkflowDef *def)
{
	Datum		values[2];

	values[0] = CStringGetTextDatum(def->name);
	values[1] = CStringGetTextDatum(def->workflow_id);
	wr_execute(&statements, REG_WORKFLOW_ID_TAKEN, values, NULL);
	if (SPI_processed > 0)
	{
		bool		isnull;

		wr_report_workflow_id_taken(def->name, def->workflow_id,
									wr_result_text(1),
									DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
															   SPI_tuptable->tupdesc,
															   2, &isnull)),
									wr_result_text(3));
	}
}

/*
 * The error of a caller-chosen id that the registry cannot give the
 * workflow "name": another workflow, "holder", has it (soft-deleted by
 * orchestrator-core, if soft_deleted); or, attached, "name" itself is a
 * soft-deleted row whose id, holder_id, it would get back.
 */
void
wr_report_workflow_id_taken(const char *name, const char *id,
							const char *holder, bool soft_deleted,
							const char *holder_id)
{
	if (strcmp(holder, name) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("workflow \"%s\" was soft-deleted with a different id",
						name),
				 errdetail("orchestrator-core keeps its row, with id \"%s\", for the processes that ran it, and registering the name again brings that row back.",
						   holder_id),
				 errhint("Give \"workflow_id\" \"%s\", or leave it out.",
						 holder_id)));
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("workflow id \"%s\" is taken", id),
			 soft_deleted ?
			 errdetail("It is the id of workflow \"%s\", which orchestrator-core soft-deleted.",
					   holder) :
			 errdetail("It is the id of workflow \"%s\".", holder),
			 errhint("Choose an id no workflow has, or leave \"workflow_id\" out to let the registry choose one.")));
}

/*
 * Attached, orchestrator-core's subscriptions refer to their product, with
 * a foreign key that keeps it: say so before the delete runs into it.
 */
static void
check_no_subscriptions(const char *name)
{
	Datum		values[1];
	int64		n;

	values[0] = CStringGetTextDatum(name);
	wr_execute(&statements, REG_PRODUCT_SUBSCRIPTIONS, values, NULL);
	n = wr_result_int8(1);
	if (n > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("product \"%s\" has subscriptions", wr_clip(name)),
				 errdetail_plural("orchestrator-core has " INT64_FORMAT " subscription of this product, which refers to it.",
								  "orchestrator-core has " INT64_FORMAT " subscriptions of this product, which refer to it.",
								  n, n),
				 errhint("Terminate the subscriptions in orchestrator-core and delete them first.")));
}

/*
 * Delete a product and, through the foreign keys, its links.  The product
 * type is locked first, so a workflow being registered concurrently either
 * sees the product and links to it before the delete, or does not see it.
 */
void
wr_unregister_product(const char *name)
{
	SPI_connect();
	if (!delete_under_type_lock(false, REG_DELETE_PRODUCT, name))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("product \"%s\" does not exist", wr_clip(name)),
				 errdetail("No product of that name is registered."),
				 errhint("Check the name against workflow_registry.products.")));
	wr_notify_change(WR_PRODUCT_DELETED, 1);
	SPI_finish();
}

/*
 * The statements of the migration steps for an attached registry.  Their
 * undo entries have the shape of the extension's own (undo.c), with
 * orchestrator-core's row as "row", and beside it what that row has no
 * column for: "product_type", which the revert locks, and "attached", the
 * workflow's row of workflow_registry.attached_workflows (null for a
 * workflow the registry does not manage), which the restore puts back as
 * it was.
 */

/*
 * As attached_delete_workflow: a workflow that processes refer to is
 * soft-deleted, any other deleted.  The entry is built from the row as it
 * was before either, and the restore (undo.c) tells the two apart by
 * whether the row is still there.
 */
static char *
attached_delete_workflow_undoably(const char *schema)
{
	return attached_delete(schema,
						   psprintf(","
									WR_UNDO_ATTACHED_WORKFLOW_ENTRY(WR_UNDO_NAME_RESTORE_WORKFLOW, "w", "m", "%s")
									" AS entry, m.product_type::pg_catalog.text AS product_type",
									wr_attached_table(schema, "products_workflows")),
						   "t.entry, t.product_type");
}

/* a soft-deleted workflow is not registered, so it cannot be updated */
static char *
attached_workflow_for_update(const char *schema)
{
	return psprintf("SELECT w.target::pg_catalog.text, w.description::pg_catalog.text,"
					" m.product_type::pg_catalog.text, w.is_task, m.product_tag::pg_catalog.text,"
					WR_UNDO_ATTACHED_WORKFLOW_ENTRY(WR_UNDO_NAME_RESTORE_WORKFLOW_VALUES, "w", "m", "%2$s") ","
					" COALESCE(m.is_default, false)"
					" FROM %1$s AS w LEFT JOIN workflow_registry.attached_workflows AS m"
					" ON m.workflow_id OPERATOR(pg_catalog.=) w.workflow_id"
					" WHERE w.name OPERATOR(pg_catalog.=) $1 AND w.deleted_at IS NULL"
					" FOR UPDATE OF w",
					wr_attached_table(schema, "workflows"),
					wr_attached_table(schema, "products_workflows"));
}

/*
 * The new values into orchestrator-core's row, the product type and tag
 * into the attached row, links recomputed (only for a workflow the
 * registry manages: wr_update_workflow_undoably adopts or refuses any
 * other first).  is_default stays false, as a
 * registration writes it.
 */
static char *
attached_update_workflow(const char *schema)
{
	return psprintf("WITH candidate AS ("
					" SELECT p.product_id FROM %3$s AS p"
					" WHERE p.product_type OPERATOR(pg_catalog.=) $4),"
					" linkable AS (%4$s),"
					" updated AS ("
					" UPDATE %1$s AS w"
					" SET target = $2, description = $3, is_task = $5"
					" WHERE w.name OPERATOR(pg_catalog.=) $1 AND w.deleted_at IS NULL"
					" AND ($4 IS NULL OR EXISTS (SELECT FROM linkable))"
					" RETURNING w.workflow_id),"
					" meta AS ("
					WR_RECORD_ATTACHED("SELECT u.workflow_id, $4, $6, $7 FROM updated AS u") "),"
					" unlinked AS ("
					" DELETE FROM %2$s AS pw USING updated AS u"
					" WHERE pw.workflow_id OPERATOR(pg_catalog.=) u.workflow_id"
					" AND pw.product_id OPERATOR(pg_catalog.<>) ALL (SELECT product_id FROM linkable)),"
					" linked AS ("
					" INSERT INTO %2$s (product_id, workflow_id)"
					" SELECT l.product_id, u.workflow_id FROM linkable AS l CROSS JOIN updated AS u"
					" ON CONFLICT DO NOTHING)"
					" SELECT (SELECT pg_catalog.count(*) FROM updated),"
					" (SELECT pg_catalog.count(*) FROM candidate),"
					" (SELECT pg_catalog.count(*) FROM linkable)",
					wr_attached_table(schema, "workflows"),
					wr_attached_table(schema, "products_workflows"),
					wr_attached_table(schema, "products"),
					ATTACHED_LINKED(schema));
}

/*
 * Delete a workflow as a migration step, under the share lock on its type
 * as delete_workflow() takes it.  Returns the undo entry that restores it
 * with its id, created_at and links, and sets *product_type (NULL for a
 * task).
 */
Datum
wr_unregister_workflow_undoably(const char *name, char **product_type)
{
	return unregister_undoably(true, name, product_type);
}

/*
 * Delete a product as a migration step, under the exclusive lock on its
 * type as delete_product() takes it.  Returns the undo entry and sets
 * *product_type.
 */
Datum
wr_unregister_product_undoably(const char *name, char **product_type)
{
	return unregister_undoably(false, name, product_type);
}

static Datum
unregister_undoably(bool workflow, const char *name, char **product_type)
{
	Datum		undo;

	SPI_connect();
	if (!delete_under_type_lock(workflow,
								workflow ? REG_DELETE_WORKFLOW_UNDOABLY :
								REG_DELETE_PRODUCT_UNDOABLY, name))
		wr_report_missing(workflow ? "workflow" : "product", name);
	wr_notify_change(workflow ? WR_WORKFLOW_DELETED : WR_PRODUCT_DELETED, 1);
	undo = wr_result_datum_copy(1);
	*product_type = wr_result_text_copy(2);
	SPI_finish();
	return undo;
}

/*
 * Apply an update_workflow step: the keys in "given" take their values from
 * *changes, the others keep theirs, and the links are recomputed.  Returns
 * the undo entry, or 0 when nothing changes; sets *old_type and *new_type.
 */
Datum
wr_update_workflow_undoably(const WorkflowDef *changes, uint32 given,
							WrApiVersion api, char **old_type,
							char **new_type)
{
	Datum		values[8];
	char		nulls[8];
	WorkflowDef now = {0};
	WorkflowDef before;
	Datum		undo;
	bool		isnull;

	values[0] = CStringGetTextDatum(changes->name);
	SPI_connect();

	/*
	 * Attached, a writer changes only what the registry manages: a workflow
	 * orchestrator-core registered itself is adopted if it fits attach's
	 * rules, and one that does not keeps what orchestrator-core gave it.
	 */
	wr_adopt_workflow(changes->name);
	wr_execute_versioned(&statements, REG_WORKFLOW_FOR_UPDATE, api, values, NULL);
	if (SPI_processed != 1)
		wr_report_missing("workflow", changes->name);

	now.name = changes->name;
	now.target = wr_result_text_copy(1);
	now.description = wr_result_text_copy(2);
	now.product_type = wr_result_text_copy(3);
	now.is_task = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 4, &isnull));
	now.product_tag = wr_result_text_copy(5);
	undo = wr_result_datum_copy(6);
	now.is_default = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 7, &isnull));

	*old_type = now.product_type;
	before = now;

	wr_apply_workflow_update(&now, changes, given);
	*new_type = now.product_type;
	if (wr_same_workflow(&now, &before))
	{
		SPI_finish();
		return (Datum) 0;
	}
	wr_check_updated_workflow(&now);

	/*
	 * The old type loses links and the new one gains them: lock both.
	 * apply_migration() has locked them before the first step (the lock
	 * order in links.c), so this takes them again without waiting, unless
	 * a concurrent transaction changed the row's type since.
	 */
	{
		WrTypeLock	locks[2];
		int			n = 0;

		if (*old_type)
			locks[n++] = (WrTypeLock) {*old_type, ShareLock};
		if (now.product_type)
			locks[n++] = (WrTypeLock) {now.product_type, ShareLock};
		wr_lock_product_types(locks, n);
		if (before.is_default || now.is_default)
			wr_lock_default_workflows(ShareLock, now.is_default, api);
	}

	workflow_values(&now, values, nulls);
	wr_execute_versioned(&statements, REG_UPDATE_WORKFLOW, api, values, nulls);
	if (wr_result_int8(1) == 0)
		wr_report_unlinked(changes->name, now.product_type, now.product_tag,
						   wr_result_int8(2) > 0);
	wr_notify_change(WR_WORKFLOW_UPDATED, 1);
	SPI_finish();
	return undo;
}

/*
 * Compare a registered workflow (its columns from "first" on, in
 * wr_workflow_columns order) with def.  Equal: store its id and return
 * true.  No row (a NULL id): return false.  Different: raise the error.
 */
bool
wr_registered_workflow_matches(const WorkflowDef *def, HeapTuple tup,
							   TupleDesc desc, int first, pg_uuid_t *id)
{
	bool		isnull;
	WrField		fields[6];

	(void) SPI_getbinval(tup, desc, first, &isnull);
	if (isnull)
		return false;

	fields[0] = (WrField) {
		"target", SPI_getvalue(tup, desc, first + 1), def->target
	};
	fields[1] = (WrField) {
		"description", SPI_getvalue(tup, desc, first + 2), def->description
	};
	fields[2] = (WrField) {
		"product_type", SPI_getvalue(tup, desc, first + 3), def->product_type
	};
	fields[3] = (WrField) {
		"product_tag", SPI_getvalue(tup, desc, first + 5), def->product_tag
	};
	fields[4] = (WrField) {
		"is_task", pstrdup(strcmp(SPI_getvalue(tup, desc, first + 4), "t") == 0 ?
						   "true" : "false"),
		def->is_task ? "true" : "false"
	};
	fields[5] = (WrField) {
		"default", pstrdup(strcmp(SPI_getvalue(tup, desc, first + 6), "t") == 0 ?
						   "true" : "false"),
		def->is_default ? "true" : "false"
	};
	report_difference(def->product_type ? "workflow" : "task", def->name,
					  "delete_workflow", fields, lengthof(fields));

	/* the same definition: the id, if the caller chose one, must agree */
	if (def->workflow_id != NULL)
	{
		char	   *registered = SPI_getvalue(tup, desc, first);

		if (strcmp(registered, def->workflow_id) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("%s \"%s\" is already registered with a different id",
							def->product_type ? "workflow" : "task", def->name),
					 errdetail("Its id is \"%s\" but the definition gives \"%s\".",
							   registered, def->workflow_id),
					 errhint("Give the registered id, or leave \"workflow_id\" out.")));
	}

	wr_get_uuid(tup, desc, first, id);
	return true;
}

static bool
workflow_matches(const void *def, HeapTuple tup, TupleDesc desc, int first,
				 pg_uuid_t *id)
{
	return wr_registered_workflow_matches(def, tup, desc, first, id);
}

/* As wr_registered_workflow_matches, for products. */
static bool
product_matches(const void *arg, HeapTuple tup, TupleDesc desc, int first,
				pg_uuid_t *id)
{
	const ProductDef *def = arg;
	bool		isnull;
	WrField		fields[4];

	(void) SPI_getbinval(tup, desc, first, &isnull);
	if (isnull)
		return false;

	fields[0] = (WrField) {
		"description", SPI_getvalue(tup, desc, first + 1), def->description
	};
	fields[1] = (WrField) {
		"product_type", SPI_getvalue(tup, desc, first + 2), def->product_type
	};
	fields[2] = (WrField) {
		"tag", SPI_getvalue(tup, desc, first + 3), def->tag
	};
	fields[3] = (WrField) {
		"status", SPI_getvalue(tup, desc, first + 4), def->status
	};
	report_difference("product", def->name, "delete_product", fields,
					  lengthof(fields));

	wr_get_uuid(tup, desc, first, id);
	return true;
}

/*
 * Raise the error of a definition registered differently, naming the first
 * key whose values differ, if there is one.
 */
static void
report_difference(const char *what, const char *name,
				  const char *delete_function, const WrField *fields,
				  int nfields)
{
	for (int i = 0; i < nfields; i++)
	{
		const WrField *f = &fields[i];

		if (f->registered == NULL && f->given == NULL)
			continue;
		if (f->registered != NULL && f->given != NULL &&
			strcmp(f->registered, f->given) == 0)
			continue;

		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s \"%s\" is already registered with a different definition",
						what, name),
				 errdetail("Key \"%s\" is %s%s%s in the registry but %s%s%s in the new definition.",
						   f->key,
						   f->registered ? "\"" : "",
						   f->registered ? wr_clip(f->registered) : "not set",
						   f->registered ? "\"" : "",
						   f->given ? "\"" : "",
						   f->given ? wr_clip(f->given) : "not set",
						   f->given ? "\"" : ""),
				 errhint("Delete it first with workflow_registry.%s(), or register the new definition under a new name.",
						 delete_function)));
	}
}

/*
 * The columns of wr_workflow_columns for a workflow w of orchestrator-core's
 * table and its attached_workflows row m (LEFT JOINed: none for a workflow
 * the registry does not manage).
 */
const char *
wr_attached_workflow_columns(void)
{
	return "w.workflow_id, w.target::pg_catalog.text, w.description::pg_catalog.text,"
		" m.product_type::pg_catalog.text, w.is_task, m.product_tag::pg_catalog.text,"
		" COALESCE(m.is_default, false)";
}
