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
 * The entries of the rows a step deletes or changes are built by the
 * statements of registry.c, in the shape wr_undo() reads.  The statements
 * need the 1.3 tables; they are used only by functions that exist from 1.3
 * on.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "attach.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "links.h"
#include "message.h"
#include "notify.h"
#include "spi.h"
#include "undo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

typedef enum WrUndoStatement
{
	UNDO_CREATE_WORKFLOW,
	UNDO_CREATE_PRODUCT,
	UNDO_RESTORE_WORKFLOW,
	UNDO_RESTORE_WORKFLOW_VALUES,
	UNDO_RESTORE_PRODUCT
} WrUndoStatement;

/*
 * The restore statements take the row image as $1 and the ids it was
 * linked to as $2; their CTE "r" is the restored row and "wanted" the ids
 * the link rule gives it now.  They return the number of rows restored and
 * the number of ids in "wanted" and not in "recorded", and the reverse.
 */
#define RESTORE_ARGS .nargs = 2, .argtypes = {JSONBOID, JSONBOID}

#define WANTED_PRODUCTS \
	" wanted AS (" \
	" SELECT p.product_id AS id FROM workflow_registry.products AS p, r WHERE" \
	WR_LINK_RULE("p.product_type", "p.tag", "r.product_type", "r.product_tag") ")," \
	RECORDED

#define RECORDED \
	" recorded AS (" \
	" SELECT e::pg_catalog.uuid AS id FROM pg_catalog.jsonb_array_elements_text($2) AS e)"

#define LINK_DRIFT \
	" (SELECT pg_catalog.count(*) FROM (" \
	" (SELECT id FROM wanted EXCEPT SELECT id FROM recorded) UNION ALL" \
	" (SELECT id FROM recorded EXCEPT SELECT id FROM wanted)) AS d)"

static const WrStatement undo_sql[] = {
	[UNDO_CREATE_WORKFLOW] = {
		.sql = "DELETE FROM workflow_registry.workflows"
		" WHERE workflow_id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid RETURNING 1",
		.nargs = 1, .argtypes = {TEXTOID}
	},
	[UNDO_CREATE_PRODUCT] = {
		.sql = "DELETE FROM workflow_registry.products"
		" WHERE product_id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid RETURNING 1",
		.nargs = 1, .argtypes = {TEXTOID}
	},
	/* the row as it was, ids and times included */
	[UNDO_RESTORE_WORKFLOW] = {
		.sql = "WITH r AS ("
		" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::workflow_registry.workflows, $1)),"
		" inserted AS ("
		" INSERT INTO workflow_registry.workflows"
		" (workflow_id, name, target, description, product_type, created_at, is_task, product_tag)"
		" SELECT r.workflow_id, r.name, r.target, r.description, r.product_type,"
		" r.created_at, r.is_task, r.product_tag FROM r"
		" ON CONFLICT DO NOTHING RETURNING workflow_id),"
		WANTED_PRODUCTS ","
		" linked AS ("
		" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
		" SELECT wanted.id, i.workflow_id FROM wanted CROSS JOIN inserted AS i)"
		" SELECT (SELECT pg_catalog.count(*) FROM inserted)," LINK_DRIFT,
		RESTORE_ARGS
	},
	/* the values before an update */
	[UNDO_RESTORE_WORKFLOW_VALUES] = {
		.sql = "WITH r AS ("
		" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::workflow_registry.workflows, $1)),"
		" updated AS ("
		" UPDATE workflow_registry.workflows AS w"
		" SET target = r.target, description = r.description, product_type = r.product_type,"
		" is_task = r.is_task, product_tag = r.product_tag"
		" FROM r WHERE w.workflow_id OPERATOR(pg_catalog.=) r.workflow_id"
		" RETURNING w.workflow_id),"
		WANTED_PRODUCTS ","
		" unlinked AS ("
		" DELETE FROM workflow_registry.products_workflows AS pw USING updated AS u"
		" WHERE pw.workflow_id OPERATOR(pg_catalog.=) u.workflow_id"
		" AND pw.product_id OPERATOR(pg_catalog.<>) ALL (SELECT id FROM wanted)),"
		" linked AS ("
		" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
		" SELECT wanted.id, u.workflow_id FROM wanted CROSS JOIN updated AS u"
		" ON CONFLICT DO NOTHING)"
		" SELECT (SELECT pg_catalog.count(*) FROM updated)," LINK_DRIFT,
		RESTORE_ARGS
	},
	/* the row as it was, linked to the workflows the rule gives it */
	[UNDO_RESTORE_PRODUCT] = {
		.sql = "WITH r AS ("
		" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::workflow_registry.products, $1)),"
		" inserted AS ("
		" INSERT INTO workflow_registry.products"
		" (product_id, name, description, product_type, tag, status, created_at, end_date)"
		" SELECT r.product_id, r.name, r.description, r.product_type, r.tag, r.status,"
		" r.created_at, r.end_date FROM r"
		" ON CONFLICT DO NOTHING RETURNING product_id),"
		" wanted AS ("
		" SELECT w.workflow_id AS id FROM workflow_registry.workflows AS w, r WHERE"
		WR_LINK_RULE("r.product_type", "r.tag", "w.product_type", "w.product_tag") "),"
		RECORDED ","
		" linked AS ("
		" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
		" SELECT i.product_id, wanted.id FROM inserted AS i CROSS JOIN wanted)"
		" SELECT (SELECT pg_catalog.count(*) FROM inserted)," LINK_DRIFT,
		RESTORE_ARGS
	},
};

static WrStatements statements = WR_STATEMENTS(undo_sql);

/*
 * The undo entry of a row a migration created: delete it by id.
 */
Datum
wr_undo_entry_for_create(const char *op, const pg_uuid_t *id,
						 const char *name, const char *product_type)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"op\": \"%s\", \"id\": \"%s\", \"name\": ", op,
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
 * Undo one write of a migration, or raise an error if the registry has
 * changed so that the undo would not be exact.
 */
void
wr_undo(const WrUndo *u, const char *version)
{
	Datum		values[2];

	/* the undo of attach_orchestrator_core() */
	if (strcmp(u->op, "detach_orchestrator_core") == 0)
	{
		wr_drop_attachment();
		return;
	}

	if (u->product_type)
		wr_lock_product_type(u->product_type,
							 strcmp(u->op, "restore_product") == 0 ||
							 strcmp(u->op, "delete_product") == 0 ?
							 ExclusiveLock : ShareLock);

	SPI_connect();
	if (strcmp(u->op, "delete_workflow") == 0 ||
		strcmp(u->op, "delete_product") == 0)
	{
		bool		workflow = u->op[7] == 'w';

		values[0] = CStringGetTextDatum(u->id);
		wr_execute(&statements,
				   workflow ? UNDO_CREATE_WORKFLOW : UNDO_CREATE_PRODUCT,
				   values, NULL);
		if (SPI_processed != 1)
			report_drift(workflow ? "workflow" : "product", u->name, version,
						 "that it created no longer exists");
		wr_notify_change(workflow ? WR_WORKFLOW_DELETED : WR_PRODUCT_DELETED, 1);
	}
	else
	{
		WrUndoStatement which;
		const char *what = "workflow";

		if (strcmp(u->op, "restore_workflow") == 0)
			which = UNDO_RESTORE_WORKFLOW;
		else if (strcmp(u->op, "restore_workflow_values") == 0)
			which = UNDO_RESTORE_WORKFLOW_VALUES;
		else if (strcmp(u->op, "restore_product") == 0)
		{
			which = UNDO_RESTORE_PRODUCT;
			what = "product";
		}
		else
			elog(ERROR, "unrecognized undo operation \"%s\" in migration \"%s\"",
				 u->op, version);

		values[0] = u->row;
		values[1] = u->links;
		wr_execute(&statements, which, values, NULL);
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
