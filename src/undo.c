/*-------------------------------------------------------------------------
 *
 * undo.c
 *	  The undo of each write of a data migration, for revert_migration().
 *
 * Every write a migration makes returns an undo entry (jsonb) that the
 * ledger keeps: the id of a row it created, or the image of a row it
 * deleted or changed, ids and created_at included.  Reverting runs the
 * entries backwards.  Links are derived data (links.h), so a restore
 * recomputes them and checks
 * that the result equals the links recorded at apply time: if it does not,
 * the registry was changed outside the migrations and the revert could not
 * be exact, so it is refused.
 *
 * The entries' format is undo.h's; the entries of the rows a step deletes
 * or changes are built by the statements of registry.c, with its macros.  The statements
 * need the 1.3 tables; they are used only by functions that exist from 1.3
 * on.  An entry written while the registry is attached to
 * orchestrator-core's tables also names their schema (ledger.c), and is
 * undone there only.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "classify.h"
#include "guards.h"
#include "lib/stringinfo.h"
#include "links.h"
#include "message.h"
#include "notify.h"
#include "spi.h"
#include "tables.h"
#include "undo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

typedef enum WrUndoStatement
{
	UNDO_ENTRIES,
	UNDO_ON_SCHEMA,
	UNDO_CREATE_WORKFLOW,
	UNDO_CREATE_PRODUCT,
	UNDO_RESTORE_WORKFLOW,
	UNDO_RESTORE_WORKFLOW_VALUES,
	UNDO_RESTORE_PRODUCT,
	UNDO_PRODUCT_SUBSCRIPTIONS,
	UNDO_LOCK_CREATED_WORKFLOW
} WrUndoStatement;

/*
 * The restore statements take the row image as $1 and the ids it was
 * linked to as $2 (and, attached, the workflow's attached row as $3); their
 * CTE "r" is the restored row and "wanted" the ids the link rule gives it
 * now.  They return the number of rows restored and the number of ids in
 * "wanted" and not in "recorded", and the reverse.
 */
#define RESTORE_ARGS .nargs = 3, .argtypes = {JSONBOID, JSONBOID, JSONBOID}

#define WANTED_PRODUCTS \
	" wanted AS (" \
	" SELECT p.product_id AS id FROM workflow_registry.products AS p, r WHERE" \
	WR_LINK_RULE("p.product_type", "p.tag", "r.product_type", "r.product_tag") ")," \
	RECORDED

/* From 1.8: a default workflow gets every product.  An entry written
 * before 1.8 has no is_default: not a default workflow. */
#define WANTED_PRODUCTS_1_8 \
	" wanted AS (" \
	" SELECT p.product_id AS id FROM workflow_registry.products AS p, r WHERE" \
	WR_LINK_RULE_1_8("p.product_type", "p.tag", "r.product_type", "r.product_tag", \
					 "COALESCE(r.is_default, false)") ")," \
	RECORDED

#define RECORDED \
	" recorded AS (" \
	" SELECT e::pg_catalog.uuid AS id FROM pg_catalog.jsonb_array_elements_text($2) AS e)"

#define LINK_DRIFT \
	" (SELECT pg_catalog.count(*) FROM (" \
	" (SELECT id FROM wanted EXCEPT SELECT id FROM recorded) UNION ALL" \
	" (SELECT id FROM recorded EXCEPT SELECT id FROM wanted)) AS d)"

static char *build_restore_workflow(WrApiVersion api);
static char *build_restore_workflow_values(WrApiVersion api);
static char *build_restore_product(WrApiVersion api);
static char *attached_create_workflow(const char *schema);
static char *delete_created_product(const WrTables *t);
static char *attached_restore_workflow(const char *schema);
static char *attached_restore_workflow_values(const char *schema);
static char *attached_restore_product(const char *schema);
static char *attached_product_subscriptions(const char *schema);
static char *attached_lock_created_workflow(const char *schema);

static const WrStatement undo_sql[] = {
	/* the entries of a migration, last first, in WrUndo's order */
	[UNDO_ENTRIES] = {
		.sql = "SELECT u.e OPERATOR(pg_catalog.->>) 'op', u.e OPERATOR(pg_catalog.->>) 'id',"
		" u.e OPERATOR(pg_catalog.->>) 'name',"
		" COALESCE(u.e OPERATOR(pg_catalog.->>) 'product_type',"
		" u.e OPERATOR(pg_catalog.->) 'row' OPERATOR(pg_catalog.->>) 'product_type'),"
		" u.e OPERATOR(pg_catalog.->) 'row', u.e OPERATOR(pg_catalog.->) 'links',"
		" CASE WHEN pg_catalog.jsonb_typeof(u.e OPERATOR(pg_catalog.->) 'attached')"
		" OPERATOR(pg_catalog.=) 'object' THEN u.e OPERATOR(pg_catalog.->) 'attached' END,"
		" u.e OPERATOR(pg_catalog.->>) 'schema'"
		" FROM pg_catalog.jsonb_array_elements($1) WITH ORDINALITY AS u(e, n)"
		" ORDER BY u.n DESC",
		.nargs = 1, .argtypes = {JSONBOID}
	},
	[UNDO_ON_SCHEMA] = {
		.sql = "SELECT $1 OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('schema', $2)",
		.nargs = 2, .argtypes = {JSONBOID, TEXTOID}, .read_only = true
	},
	[UNDO_CREATE_WORKFLOW] = {
		.sql = "DELETE FROM workflow_registry.workflows"
		" WHERE workflow_id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid RETURNING 1",
		.attached = attached_create_workflow,
		.nargs = 1, .argtypes = {TEXTOID}
	},
	/* attached, orchestrator-core's subscriptions were checked before (wr_undo) */
	[UNDO_CREATE_PRODUCT] = {
		.tables = delete_created_product,
		.nargs = 1, .argtypes = {TEXTOID}
	},
	/* the row as it was, ids and times included */
	[UNDO_RESTORE_WORKFLOW] = {
		.build = build_restore_workflow,
		.attached = attached_restore_workflow,
		RESTORE_ARGS
	},
	/* the values before an update */
	[UNDO_RESTORE_WORKFLOW_VALUES] = {
		.build = build_restore_workflow_values,
		.attached = attached_restore_workflow_values,
		RESTORE_ARGS
	},
	/* the row as it was, linked to the workflows the rule gives it */
	[UNDO_RESTORE_PRODUCT] = {
		.build = build_restore_product,
		.attached = attached_restore_product,
		RESTORE_ARGS
	},
	/* attached only: the subscriptions of a product, by id */
	[UNDO_PRODUCT_SUBSCRIPTIONS] = {
		.attached = attached_product_subscriptions,
		.nargs = 1, .argtypes = {TEXTOID}
	},
	/* attached only: the workflow UNDO_CREATE_WORKFLOW will delete, $1 */
	[UNDO_LOCK_CREATED_WORKFLOW] = {
		.attached = attached_lock_created_workflow,
		.nargs = 1, .argtypes = {TEXTOID}
	},
};

static WrStatements statements = WR_STATEMENTS(undo_sql);

static char *
delete_created_product(const WrTables *t)
{
	return psprintf("DELETE FROM %s"
					" WHERE product_id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid RETURNING 1",
					t->products);
}

/*
 * The restores of the extension's own rows: from 1.8 with is_default, which
 * an entry written before 1.8 lacks (false then).
 */
static char *
build_restore_workflow(WrApiVersion api)
{
	bool		v18 = api >= WR_API_1_8;

	return psprintf("WITH r AS ("
					" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::workflow_registry.workflows, $1)),"
					" inserted AS ("
					" INSERT INTO workflow_registry.workflows"
					" (workflow_id, name, target, description, product_type, created_at, is_task,"
					" product_tag%s)"
					" SELECT r.workflow_id, r.name, r.target, r.description, r.product_type,"
					" r.created_at, r.is_task, r.product_tag%s FROM r"
					" ON CONFLICT DO NOTHING RETURNING workflow_id),"
					"%s,"
					" linked AS ("
					" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
					" SELECT wanted.id, i.workflow_id FROM wanted CROSS JOIN inserted AS i)"
					" SELECT (SELECT pg_catalog.count(*) FROM inserted)," LINK_DRIFT,
					v18 ? ", is_default" : "",
					v18 ? ", COALESCE(r.is_default, false)" : "",
					v18 ? WANTED_PRODUCTS_1_8 : WANTED_PRODUCTS);
}

static char *
build_restore_workflow_values(WrApiVersion api)
{
	bool		v18 = api >= WR_API_1_8;

	return psprintf("WITH r AS ("
					" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::workflow_registry.workflows, $1)),"
					" updated AS ("
					" UPDATE workflow_registry.workflows AS w"
					" SET target = r.target, description = r.description, product_type = r.product_type,"
					" is_task = r.is_task, product_tag = r.product_tag%s"
					" FROM r WHERE w.workflow_id OPERATOR(pg_catalog.=) r.workflow_id"
					" RETURNING w.workflow_id),"
					"%s,"
					" unlinked AS ("
					" DELETE FROM workflow_registry.products_workflows AS pw USING updated AS u"
					" WHERE pw.workflow_id OPERATOR(pg_catalog.=) u.workflow_id"
					" AND pw.product_id OPERATOR(pg_catalog.<>) ALL (SELECT id FROM wanted)),"
					" linked AS ("
					" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
					" SELECT wanted.id, u.workflow_id FROM wanted CROSS JOIN updated AS u"
					" ON CONFLICT DO NOTHING)"
					" SELECT (SELECT pg_catalog.count(*) FROM updated)," LINK_DRIFT,
					v18 ? ", is_default = COALESCE(r.is_default, false)" : "",
					v18 ? WANTED_PRODUCTS_1_8 : WANTED_PRODUCTS);
}

static char *
build_restore_product(WrApiVersion api)
{
	return psprintf("WITH r AS ("
					" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::workflow_registry.products, $1)),"
					" inserted AS ("
					" INSERT INTO workflow_registry.products"
					" (product_id, name, description, product_type, tag, status, created_at, end_date)"
					" SELECT r.product_id, r.name, r.description, r.product_type, r.tag, r.status,"
					" r.created_at, r.end_date FROM r"
					" ON CONFLICT DO NOTHING RETURNING product_id),"
					" wanted AS ("
					" SELECT w.workflow_id AS id FROM workflow_registry.workflows AS w, r WHERE%s),"
					RECORDED ","
					" linked AS ("
					" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
					" SELECT i.product_id, wanted.id FROM inserted AS i CROSS JOIN wanted)"
					" SELECT (SELECT pg_catalog.count(*) FROM inserted)," LINK_DRIFT,
					api >= WR_API_1_8 ?
					WR_LINK_RULE_1_8("r.product_type", "r.tag", "w.product_type",
									 "w.product_tag", "w.is_default") :
					WR_LINK_RULE("r.product_type", "r.tag", "w.product_type", "w.product_tag"));
}

/*
 * The same statements for a registry attached to orchestrator-core's tables
 * (attach.c), run as their owner.  The entries of an attached registry
 * carry orchestrator-core's row as "row" and the workflow's row of
 * workflow_registry.attached_workflows as "attached" (registry.c), which
 * a restore puts back as it was; a workflow the registry does not manage
 * has none, and gets back exactly the links it had.  A workflow that a
 * delete step soft-deleted, because processes refer to it, is still there:
 * its restore clears deleted_at.  The undo of a create cannot delete a
 * workflow that has run since, whose processes keep it: it soft-deletes it,
 * as delete_workflow() would, which leaves the registry as it was before
 * the migration (a soft-deleted workflow is not registered) and keeps the
 * history; applying the migration again brings the same row back.
 */

/* The workflow's attached row, $3: none for one the registry does not manage. */
#define ATTACHED_ROW \
	" a AS (" \
	" SELECT m.* FROM pg_catalog.jsonb_populate_record(" \
	"NULL::workflow_registry.attached_workflows, $3) AS m" \
	" WHERE m.workflow_id IS NOT NULL)"

/*
 * The products a restored workflow is linked to: by the link rule of its
 * attached row, or every product for a default workflow, as
 * link_new_product() links them; one the registry does not manage gets the
 * recorded links whose products still exist.
 */
static char *
attached_wanted_products(const char *schema)
{
	return psprintf(RECORDED ","
					" wanted AS ("
					" SELECT p.product_id AS id FROM %1$s AS p, a"
					" WHERE (a.is_default OR ("
					WR_LINK_RULE("p.product_type", "p.tag", "a.product_type", "a.product_tag") "))"
					" UNION"
					" SELECT p.product_id FROM %1$s AS p"
					" WHERE NOT EXISTS (SELECT FROM a)"
					" AND p.product_id OPERATOR(pg_catalog.=) ANY (SELECT id FROM recorded))",
					wr_attached_table(schema, "products"));
}

#define CREATED_WORKFLOW "w.workflow_id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid"

static char *
attached_create_workflow(const char *schema)
{
	return wr_attached_delete_workflow(schema, CREATED_WORKFLOW, "", "1");
}

static char *
attached_lock_created_workflow(const char *schema)
{
	return wr_attached_lock_workflow(schema, CREATED_WORKFLOW);
}

/*
 * The row as it was, ids and times included: inserted again if it was
 * deleted, deleted_at cleared if it was soft-deleted.
 */
static char *
attached_restore_workflow(const char *schema)
{
	return psprintf("WITH r AS ("
					" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::%1$s, $1)),"
					ATTACHED_ROW ","
					" inserted AS ("
					" INSERT INTO %1$s AS w"
					" (workflow_id, name, target, description, created_at, deleted_at, is_task)"
					" SELECT r.workflow_id, r.name, r.target, r.description, r.created_at,"
					" r.deleted_at, r.is_task FROM r"
					" WHERE NOT EXISTS (SELECT FROM %1$s AS x"
					" WHERE x.workflow_id OPERATOR(pg_catalog.=) r.workflow_id)"
					" ON CONFLICT DO NOTHING RETURNING w.workflow_id),"
					" undeleted AS ("
					" UPDATE %1$s AS w SET target = r.target, description = r.description,"
					" is_task = r.is_task, deleted_at = r.deleted_at"
					" FROM r WHERE w.workflow_id OPERATOR(pg_catalog.=) r.workflow_id"
					" AND w.name OPERATOR(pg_catalog.=) r.name AND w.deleted_at IS NOT NULL"
					" RETURNING w.workflow_id),"
					" restored AS ("
					" SELECT workflow_id FROM inserted UNION ALL SELECT workflow_id FROM undeleted),"
					" meta AS ("
					WR_RECORD_ATTACHED("SELECT x.workflow_id, a.product_type, a.product_tag,"
									   " a.is_default FROM a CROSS JOIN restored AS x") "),"
					"%3$s,"
					" linked AS ("
					" INSERT INTO %2$s (product_id, workflow_id)"
					" SELECT wanted.id, x.workflow_id FROM wanted CROSS JOIN restored AS x"
					" ON CONFLICT DO NOTHING)"
					" SELECT (SELECT pg_catalog.count(*) FROM restored)," LINK_DRIFT,
					wr_attached_table(schema, "workflows"),
					wr_attached_table(schema, "products_workflows"),
					attached_wanted_products(schema));
}

/* the values before an update, and the attached row as it was */
static char *
attached_restore_workflow_values(const char *schema)
{
	return psprintf("WITH r AS ("
					" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::%1$s, $1)),"
					ATTACHED_ROW ","
					" updated AS ("
					" UPDATE %1$s AS w"
					" SET target = r.target, description = r.description, is_task = r.is_task"
					" FROM r WHERE w.workflow_id OPERATOR(pg_catalog.=) r.workflow_id"
					" AND w.deleted_at IS NULL"
					" RETURNING w.workflow_id),"
					" meta AS ("
					WR_RECORD_ATTACHED("SELECT u.workflow_id, a.product_type, a.product_tag,"
									   " a.is_default FROM a CROSS JOIN updated AS u") "),"
					" unmanaged AS ("
					" DELETE FROM workflow_registry.attached_workflows AS m USING updated AS u"
					" WHERE m.workflow_id OPERATOR(pg_catalog.=) u.workflow_id"
					" AND NOT EXISTS (SELECT FROM a)),"
					"%3$s,"
					" unlinked AS ("
					" DELETE FROM %2$s AS pw USING updated AS u"
					" WHERE pw.workflow_id OPERATOR(pg_catalog.=) u.workflow_id"
					" AND pw.product_id OPERATOR(pg_catalog.<>) ALL (SELECT id FROM wanted)),"
					" linked AS ("
					" INSERT INTO %2$s (product_id, workflow_id)"
					" SELECT wanted.id, u.workflow_id FROM wanted CROSS JOIN updated AS u"
					" ON CONFLICT DO NOTHING)"
					" SELECT (SELECT pg_catalog.count(*) FROM updated)," LINK_DRIFT,
					wr_attached_table(schema, "workflows"),
					wr_attached_table(schema, "products_workflows"),
					attached_wanted_products(schema));
}

/*
 * The product as it was, linked to the managed workflows the rule (or
 * their being default) gives it, as link_new_product() links it, and again
 * to the recorded workflows the registry does not manage that still exist.
 */
static char *
attached_restore_product(const char *schema)
{
	return psprintf("WITH r AS ("
					" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::%1$s, $1)),"
					" inserted AS ("
					" INSERT INTO %1$s AS p"
					" (product_id, name, description, product_type, tag, status, created_at, end_date)"
					" SELECT r.product_id, r.name, r.description, r.product_type, r.tag, r.status,"
					" r.created_at, r.end_date FROM r"
					" ON CONFLICT DO NOTHING RETURNING p.product_id),"
					RECORDED ","
					" wanted AS ("
					" SELECT w.workflow_id AS id"
					" FROM workflow_registry.attached_workflows AS m"
					" JOIN %2$s AS w ON w.workflow_id OPERATOR(pg_catalog.=) m.workflow_id, r"
					" WHERE w.deleted_at IS NULL AND (m.is_default OR ("
					WR_LINK_RULE("r.product_type", "r.tag", "m.product_type", "m.product_tag") "))"
					" UNION"
					" SELECT w.workflow_id FROM %2$s AS w"
					" WHERE w.workflow_id OPERATOR(pg_catalog.=) ANY (SELECT id FROM recorded)"
					" AND NOT EXISTS (SELECT FROM workflow_registry.attached_workflows AS m"
					" WHERE m.workflow_id OPERATOR(pg_catalog.=) w.workflow_id)),"
					" linked AS ("
					" INSERT INTO %3$s (product_id, workflow_id)"
					" SELECT i.product_id, wanted.id FROM inserted AS i CROSS JOIN wanted"
					" ON CONFLICT DO NOTHING)"
					" SELECT (SELECT pg_catalog.count(*) FROM inserted)," LINK_DRIFT,
					wr_attached_table(schema, "products"),
					wr_attached_table(schema, "workflows"),
					wr_attached_table(schema, "products_workflows"));
}

static char *
attached_product_subscriptions(const char *schema)
{
	if (!wr_attached_table_exists(schema, "subscriptions"))
		return pstrdup("SELECT 0::pg_catalog.int8 WHERE $1 IS NOT NULL");
	return psprintf("SELECT pg_catalog.count(*) FROM %s AS s"
					" WHERE s.product_id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid",
					wr_attached_table(schema, "subscriptions"));
}

/* The stored name of each operation (undo.h). */
static const char *const undo_op_names[] = {
	[WR_UNDO_DELETE_WORKFLOW] = WR_UNDO_NAME_DELETE_WORKFLOW,
	[WR_UNDO_DELETE_PRODUCT] = WR_UNDO_NAME_DELETE_PRODUCT,
	[WR_UNDO_RESTORE_WORKFLOW] = WR_UNDO_NAME_RESTORE_WORKFLOW,
	[WR_UNDO_RESTORE_WORKFLOW_VALUES] = WR_UNDO_NAME_RESTORE_WORKFLOW_VALUES,
	[WR_UNDO_RESTORE_PRODUCT] = WR_UNDO_NAME_RESTORE_PRODUCT,
	[WR_UNDO_DETACH] = WR_UNDO_NAME_DETACH,
};

/*
 * The entry that undoes the creation of a workflow or product (op
 * WR_UNDO_DELETE_WORKFLOW or WR_UNDO_DELETE_PRODUCT): delete the row of
 * that id.
 */
Datum
wr_undo_entry_for_create(WrUndoOp op, const pg_uuid_t *id,
						 const char *name, const char *product_type)
{
	StringInfoData buf;

	Assert(op == WR_UNDO_DELETE_WORKFLOW || op == WR_UNDO_DELETE_PRODUCT);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"op\": \"%s\", \"id\": \"%s\", \"name\": ",
					 undo_op_names[op],
					 DatumGetCString(DirectFunctionCall1(uuid_out,
														 UUIDPGetDatum(id))));
	escape_json(&buf, name);
	appendStringInfoString(&buf, ", \"product_type\": ");
	if (product_type)
		escape_json(&buf, product_type);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoChar(&buf, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

/* The entry that undoes attach_orchestrator_core(): detach. */
Datum
wr_undo_entry_for_detach(void)
{
	return DirectFunctionCall1(jsonb_in,
							   CStringGetDatum("{\"op\": \"" WR_UNDO_NAME_DETACH "\"}"));
}

/*
 * An entry written on an attached registry names its schema: its row
 * images are orchestrator-core's, and only a revert on the same registry
 * can restore them (ledger.c).  The caller is connected to SPI.
 */
Datum
wr_undo_entry_on_schema(Datum entry, const char *schema)
{
	Datum		values[2];

	values[0] = entry;
	values[1] = CStringGetTextDatum(schema);
	wr_execute(&statements, UNDO_ON_SCHEMA, values, NULL);
	return wr_result_datum_copy(1);
}

/*
 * The entries of a migration's undo list (a jsonb array), last first: the
 * one reader of the format.  The strings are in the caller's memory, the
 * jsonb values in the current SPI result, which the caller keeps until it
 * has run them.  The caller is connected to SPI.
 */
WrUndo *
wr_read_undo_entries(Datum entries, const char *version, int *nentries)
{
	SPITupleTable *rows;
	WrUndo	   *undo;

	wr_execute(&statements, UNDO_ENTRIES, &entries, NULL);
	rows = SPI_tuptable;
	undo = palloc0(Max(rows->numvals, 1) * sizeof(WrUndo));
	for (uint64 i = 0; i < rows->numvals; i++)
	{
		HeapTuple	e = rows->vals[i];
		TupleDesc	d = rows->tupdesc;
		WrUndo	   *u = &undo[i];
		char	   *op = SPI_getvalue(e, d, 1);
		bool		isnull;
		int			k;

		for (k = 0; k < (int) lengthof(undo_op_names); k++)
			if (op != NULL && strcmp(op, undo_op_names[k]) == 0)
				break;
		if (k == (int) lengthof(undo_op_names))
			elog(ERROR, "unrecognized undo operation \"%s\" in migration \"%s\"",
				 op ? op : "", version);
		u->op = (WrUndoOp) k;
		u->id = SPI_getvalue(e, d, 2);
		u->name = SPI_getvalue(e, d, 3);
		u->product_type = SPI_getvalue(e, d, 4);
		u->row = SPI_getbinval(e, d, 5, &isnull);
		u->links = SPI_getbinval(e, d, 6, &isnull);
		u->attached = SPI_getbinval(e, d, 7, &isnull);
		if (isnull)
			u->attached = (Datum) 0;
		u->schema = SPI_getvalue(e, d, 8);
	}
	*nentries = (int) rows->numvals;
	return undo;
}

static void
report_drift(const char *what, const char *name, const char *version,
			 const char *happened)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot revert migration \"%s\": %s \"%s\" %s",
					version, what, wr_clip(name), happened),
			 errdetail("The registry was changed outside the migrations since \"%s\" was applied, so it cannot be reverted exactly.",
					   version),
			 errhint("Bring the %s back to the state the migration left it in, or leave the migration applied.",
					 what)));
}

/*
 * Attached, orchestrator-core's subscriptions of a product that the
 * migration created keep it, with a foreign key: say so, as
 * delete_product() does, before the delete runs into it.  The caller is
 * connected to SPI.
 */
static void
check_no_subscriptions(const WrUndo *u, const char *version, Datum id)
{
	int64		n;

	wr_execute(&statements, UNDO_PRODUCT_SUBSCRIPTIONS, &id, NULL);
	n = wr_result_int8(1);
	if (n > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("cannot revert migration \"%s\": product \"%s\" that it created has subscriptions",
						version, wr_clip(u->name)),
				 errdetail_plural("orchestrator-core has " INT64_FORMAT " subscription of this product, which refers to it.",
								  "orchestrator-core has " INT64_FORMAT " subscriptions of this product, which refer to it.",
								  n, n),
				 errhint("Terminate the subscriptions in orchestrator-core and delete them first, or leave the migration applied.")));
}

/*
 * Undo one write of a migration, or raise an error if the registry has
 * changed so that the undo would not be exact.
 */
void
wr_undo(const WrUndo *u, const char *version, WrApiVersion api)
{
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};

	/* the undo of attach_orchestrator_core() */
	if (u->op == WR_UNDO_DETACH)
	{
		wr_drop_attachment();
		return;
	}

	if (u->product_type)
		wr_lock_product_type(u->product_type,
							 u->op == WR_UNDO_RESTORE_PRODUCT ||
							 u->op == WR_UNDO_DELETE_PRODUCT ?
							 ExclusiveLock : ShareLock);

	SPI_connect();
	if (u->op == WR_UNDO_DELETE_WORKFLOW || u->op == WR_UNDO_DELETE_PRODUCT)
	{
		bool		workflow = u->op == WR_UNDO_DELETE_WORKFLOW;

		values[0] = CStringGetTextDatum(u->id);
		if (!workflow && wr_attached_schema() != NULL)
			check_no_subscriptions(u, version, values[0]);
		if (workflow && wr_attached_schema() != NULL)
		{
			wr_check_no_schedules(NULL, u->id, u->name);
			wr_execute(&statements, UNDO_LOCK_CREATED_WORKFLOW, values, NULL);
		}
		wr_execute(&statements,
				   workflow ? UNDO_CREATE_WORKFLOW : UNDO_CREATE_PRODUCT,
				   values, NULL);
		if (SPI_processed != 1)
		{
			wr_check_not_suppressed(workflow ? "workflows" : "products",
									TRIGGER_TYPE_DELETE | TRIGGER_TYPE_UPDATE,
									"delete", workflow ? "workflow" : "product",
									u->name);
			report_drift(workflow ? "workflow" : "product", u->name, version,
						 "that it created no longer exists");
		}
		wr_notify_change(workflow ? WR_WORKFLOW_DELETED : WR_PRODUCT_DELETED, 1);
	}
	else
	{
		WrUndoStatement which;
		const char *what = "workflow";

		switch (u->op)
		{
			case WR_UNDO_RESTORE_WORKFLOW:
				which = UNDO_RESTORE_WORKFLOW;
				break;
			case WR_UNDO_RESTORE_WORKFLOW_VALUES:
				which = UNDO_RESTORE_WORKFLOW_VALUES;
				break;
			case WR_UNDO_RESTORE_PRODUCT:
				which = UNDO_RESTORE_PRODUCT;
				what = "product";
				break;
			default:
				elog(ERROR, "undo operation %d is not a restore", (int) u->op);
				which = UNDO_RESTORE_WORKFLOW;	/* keep compiler quiet */
		}

		values[0] = u->row;
		values[1] = u->links;
		values[2] = u->attached;
		nulls[2] = u->attached ? ' ' : 'n';
		wr_execute_versioned(&statements, which, api, values, nulls);
		if (wr_result_int8(1) != 1)
			wr_check_not_suppressed(which == UNDO_RESTORE_PRODUCT ? "products" : "workflows",
									TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE,
									"restore", what, u->name);
		if (wr_result_int8(1) != 1)
			report_drift(what, u->name, version,
						 which == UNDO_RESTORE_WORKFLOW_VALUES ?
						 "that it changed no longer exists" :
						 "that it deleted has been registered again");
		if (wr_result_int8(2) != 0)
			report_drift(what, u->name, version,
						 "would not get back the links it had");
		wr_notify_change(which == UNDO_RESTORE_PRODUCT ? WR_PRODUCT_CREATED :
						 which == UNDO_RESTORE_WORKFLOW ? WR_WORKFLOW_CREATED :
						 WR_WORKFLOW_UPDATED, 1);
	}
	SPI_finish();
}
