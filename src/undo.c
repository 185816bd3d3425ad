/*-------------------------------------------------------------------------
 *
 * undo.c
 *	  The writes of data migrations that need more than a registration,
 *	  and the undo of each write, for revert_migration().
 *
 * Every write a migration makes returns an undo entry (jsonb) that the
 * ledger keeps: the id of a row it created, or the image of a row it
 * deleted or changed, ids and created_at included.  Reverting runs the
 * entries backwards.  Links are derived data (a workflow is linked to every
 * product of its type, and tag), so a restore recomputes them and checks
 * that the result equals the links recorded at apply time: if it does not,
 * the registry was changed outside the migrations and the revert could not
 * be exact, so it is refused.
 *
 * The statements need the 1.3 tables; they are used only by functions that
 * exist from 1.3 on.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "message.h"
#include "notify.h"
#include "registry.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

typedef enum WrUndoPlan
{
	UPLAN_DELETE_WORKFLOW,
	UPLAN_PRODUCT_TYPE,
	UPLAN_DELETE_PRODUCT,
	UPLAN_WORKFLOW_FOR_UPDATE,
	UPLAN_UPDATE_WORKFLOW,
	UPLAN_UNDO_CREATE_WORKFLOW,
	UPLAN_UNDO_CREATE_PRODUCT,
	UPLAN_RESTORE_WORKFLOW,
	UPLAN_RESTORE_WORKFLOW_VALUES,
	UPLAN_RESTORE_PRODUCT
} WrUndoPlan;

#define WR_NUM_UNDO_PLANS (UPLAN_RESTORE_PRODUCT + 1)

static SPIPlanPtr undo_plans[WR_NUM_UNDO_PLANS];

static Oid	text_arg[] = {TEXTOID};
static Oid	jsonb_args[] = {JSONBOID, JSONBOID};
static Oid	update_args[] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID,
TEXTOID};

/*
 * Links that a workflow of the row's type and tag has now: the products of
 * its type, only those with its tag when it has one.  Used by the restore
 * statements, whose CTE "r" is the restored row.
 */
#define WANTED_PRODUCTS \
	" wanted AS (" \
	" SELECT p.product_id AS id FROM workflow_registry.products AS p, r" \
	" WHERE p.product_type OPERATOR(pg_catalog.=) r.product_type" \
	" AND (r.product_tag IS NULL OR p.tag OPERATOR(pg_catalog.=) r.product_tag))," \
	" recorded AS (" \
	" SELECT e::pg_catalog.uuid AS id FROM pg_catalog.jsonb_array_elements_text($2) AS e)"

/* The number of ids in "wanted" and not in "recorded", and the reverse. */
#define LINK_DRIFT \
	" (SELECT pg_catalog.count(*) FROM (" \
	" (SELECT id FROM wanted EXCEPT SELECT id FROM recorded) UNION ALL" \
	" (SELECT id FROM recorded EXCEPT SELECT id FROM wanted)) AS d)"

static const char *const undo_sql[WR_NUM_UNDO_PLANS] = {
	/* UPLAN_DELETE_WORKFLOW: delete, returning the undo entry */
	"WITH d AS ("
	" DELETE FROM workflow_registry.workflows AS w"
	" WHERE w.name OPERATOR(pg_catalog.=) $1 RETURNING w.*)"
	" SELECT pg_catalog.jsonb_build_object("
	" 'op', 'restore_workflow', 'name', d.name, 'row', pg_catalog.to_jsonb(d.*),"
	" 'links', COALESCE((SELECT pg_catalog.jsonb_agg(pw.product_id ORDER BY pw.product_id)"
	" FROM workflow_registry.products_workflows AS pw"
	" WHERE pw.workflow_id OPERATOR(pg_catalog.=) d.workflow_id), '[]'::pg_catalog.jsonb)),"
	" d.product_type::pg_catalog.text"
	" FROM d",

	/* UPLAN_PRODUCT_TYPE */
	"SELECT p.product_type::pg_catalog.text FROM workflow_registry.products AS p"
	" WHERE p.name OPERATOR(pg_catalog.=) $1",

	/* UPLAN_DELETE_PRODUCT: delete, returning the undo entry */
	"WITH d AS ("
	" DELETE FROM workflow_registry.products AS p"
	" WHERE p.name OPERATOR(pg_catalog.=) $1 RETURNING p.*)"
	" SELECT pg_catalog.jsonb_build_object("
	" 'op', 'restore_product', 'name', d.name, 'row', pg_catalog.to_jsonb(d.*),"
	" 'links', COALESCE((SELECT pg_catalog.jsonb_agg(pw.workflow_id ORDER BY pw.workflow_id)"
	" FROM workflow_registry.products_workflows AS pw"
	" WHERE pw.product_id OPERATOR(pg_catalog.=) d.product_id), '[]'::pg_catalog.jsonb))"
	" FROM d",

	/* UPLAN_WORKFLOW_FOR_UPDATE: the row to change, its image and links */
	"SELECT w.target::pg_catalog.text, w.description, w.product_type, w.is_task,"
	" w.product_tag,"
	" pg_catalog.jsonb_build_object("
	" 'op', 'restore_workflow_values', 'name', w.name, 'row', pg_catalog.to_jsonb(w.*),"
	" 'links', COALESCE((SELECT pg_catalog.jsonb_agg(pw.product_id ORDER BY pw.product_id)"
	" FROM workflow_registry.products_workflows AS pw"
	" WHERE pw.workflow_id OPERATOR(pg_catalog.=) w.workflow_id), '[]'::pg_catalog.jsonb))"
	" FROM workflow_registry.workflows AS w"
	" WHERE w.name OPERATOR(pg_catalog.=) $1 FOR UPDATE",

	/* UPLAN_UPDATE_WORKFLOW: new values, links recomputed */
	"WITH candidate AS ("
	" SELECT p.product_id, p.tag FROM workflow_registry.products AS p"
	" WHERE p.product_type OPERATOR(pg_catalog.=) $4),"
	" linkable AS ("
	" SELECT c.product_id FROM candidate AS c"
	" WHERE $6 IS NULL OR c.tag OPERATOR(pg_catalog.=) $6),"
	" updated AS ("
	" UPDATE workflow_registry.workflows AS w"
	" SET target = $2::workflow_registry.target, description = $3,"
	" product_type = $4, is_task = $5, product_tag = $6"
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

	/* UPLAN_UNDO_CREATE_WORKFLOW */
	"DELETE FROM workflow_registry.workflows"
	" WHERE workflow_id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid RETURNING 1",

	/* UPLAN_UNDO_CREATE_PRODUCT */
	"DELETE FROM workflow_registry.products"
	" WHERE product_id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid RETURNING 1",

	/* UPLAN_RESTORE_WORKFLOW: the row as it was, ids and times included */
	"WITH r AS ("
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

	/* UPLAN_RESTORE_WORKFLOW_VALUES: the values before an update */
	"WITH r AS ("
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

	/* UPLAN_RESTORE_PRODUCT: the row as it was, linked to the workflows
	 * of its type (and tag) */
	"WITH r AS ("
	" SELECT * FROM pg_catalog.jsonb_populate_record(NULL::workflow_registry.products, $1)),"
	" inserted AS ("
	" INSERT INTO workflow_registry.products"
	" (product_id, name, description, product_type, tag, status, created_at, end_date)"
	" SELECT r.product_id, r.name, r.description, r.product_type, r.tag, r.status,"
	" r.created_at, r.end_date FROM r"
	" ON CONFLICT DO NOTHING RETURNING product_id),"
	" wanted AS ("
	" SELECT w.workflow_id AS id FROM workflow_registry.workflows AS w, r"
	" WHERE w.product_type OPERATOR(pg_catalog.=) r.product_type"
	" AND (w.product_tag IS NULL OR w.product_tag OPERATOR(pg_catalog.=) r.tag)),"
	" recorded AS ("
	" SELECT e::pg_catalog.uuid AS id FROM pg_catalog.jsonb_array_elements_text($2) AS e),"
	" linked AS ("
	" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
	" SELECT i.product_id, wanted.id FROM inserted AS i CROSS JOIN wanted)"
	" SELECT (SELECT pg_catalog.count(*) FROM inserted)," LINK_DRIFT,
};

static SPIPlanPtr
undo_plan(WrUndoPlan which)
{
	int			nargs = 1;
	Oid		   *argtypes = text_arg;

	switch (which)
	{
		case UPLAN_UPDATE_WORKFLOW:
			nargs = lengthof(update_args);
			argtypes = update_args;
			break;
		case UPLAN_RESTORE_WORKFLOW:
		case UPLAN_RESTORE_WORKFLOW_VALUES:
		case UPLAN_RESTORE_PRODUCT:
			nargs = lengthof(jsonb_args);
			argtypes = jsonb_args;
			break;
		default:
			break;
	}
	return wr_keep_plan(&undo_plans[which], undo_sql[which], nargs, argtypes);
}

static int64
int8_column(int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
								  col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/* Copy a jsonb column of the first result row out of SPI's memory. */
static Datum
jsonb_column(int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
								  col, &isnull);

	Assert(!isnull);
	return SPI_datumTransfer(d, false, -1);
}

/* A text column of the first result row, copied out of SPI's memory. */
static char *
text_column(int col)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);

	return v ? strcpy(SPI_palloc(strlen(v) + 1), v) : NULL;
}

/*
 * Delete a workflow as a migration step.  Returns the undo entry that
 * restores it with its id, created_at and links, and sets *product_type
 * (NULL for a task).
 */
Datum
wr_unregister_workflow_undoably(const char *name, char **product_type)
{
	Datum		values[1];
	Datum		undo;

	values[0] = CStringGetTextDatum(name);
	SPI_connect();
	wr_execute_plan(undo_plan(UPLAN_DELETE_WORKFLOW), values, NULL);
	if (SPI_processed != 1)
		wr_report_missing("workflow", name);
	wr_notify_change(WR_WORKFLOW_DELETED, 1);
	undo = jsonb_column(1);
	*product_type = text_column(2);
	SPI_finish();
	return undo;
}

/*
 * Delete a product as a migration step, under the exclusive lock on its
 * type as delete_product() takes it.  Returns the undo entry and sets
 * *product_type.
 */
Datum
wr_unregister_product_undoably(const char *name, char **product_type)
{
	Datum		values[1];
	Datum		undo;

	values[0] = CStringGetTextDatum(name);
	SPI_connect();
	wr_execute_plan(undo_plan(UPLAN_PRODUCT_TYPE), values, NULL);
	if (SPI_processed != 1)
		wr_report_missing("product", name);
	*product_type = text_column(1);
	wr_lock_product_type(*product_type, ExclusiveLock);
	wr_execute_plan(undo_plan(UPLAN_DELETE_PRODUCT), values, NULL);
	if (SPI_processed != 1)
		wr_report_missing("product", name);
	wr_notify_change(WR_PRODUCT_DELETED, 1);
	undo = jsonb_column(1);
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
							char **old_type, char **new_type)
{
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	WorkflowDef now;
	WorkflowDef before;
	Datum		undo;
	bool		isnull;

	values[0] = CStringGetTextDatum(changes->name);
	SPI_connect();
	wr_execute_plan(undo_plan(UPLAN_WORKFLOW_FOR_UPDATE), values, NULL);
	if (SPI_processed != 1)
		wr_report_missing("workflow", changes->name);

	now.name = changes->name;
	now.target = text_column(1);
	now.description = text_column(2);
	now.product_type = text_column(3);
	now.is_task = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 4, &isnull));
	now.product_tag = text_column(5);
	undo = jsonb_column(6);
	*old_type = now.product_type;
	before = now;

	if (given & WR_UPDATE_TARGET)
		now.target = changes->target;
	if (given & WR_UPDATE_DESCRIPTION)
		now.description = changes->description;
	if (given & WR_UPDATE_PRODUCT_TYPE)
		now.product_type = changes->product_type;
	if (given & WR_UPDATE_IS_TASK)
		now.is_task = changes->is_task;
	if (given & WR_UPDATE_PRODUCT_TAG)
		now.product_tag = changes->product_tag;
	*new_type = now.product_type;

	if (wr_same_workflow(&now, &before))
	{
		SPI_finish();
		return (Datum) 0;
	}

	if (now.product_type == NULL && !now.is_task)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("update_workflow step would leave workflow \"%s\" without a product type",
						changes->name),
				 errdetail("Only a task may have no product type."),
				 errhint("Give \"product_type\" too, or keep \"is_task\" true.")));
	if (now.product_tag != NULL && now.product_type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("update_workflow step gives task \"%s\" a product tag",
						changes->name),
				 errdetail("A task has no product type, so a tag selects nothing."),
				 errhint("Leave \"product_tag\" out for a task.")));

	/*
	 * The old type loses links and the new one gains them: lock both, in a
	 * fixed order.
	 */
	if (*old_type && now.product_type && strcmp(*old_type, now.product_type) > 0)
	{
		wr_lock_product_type(now.product_type, ShareLock);
		wr_lock_product_type(*old_type, ShareLock);
	}
	else
	{
		if (*old_type)
			wr_lock_product_type(*old_type, ShareLock);
		if (now.product_type)
			wr_lock_product_type(now.product_type, ShareLock);
	}

	values[1] = CStringGetTextDatum(now.target);
	values[2] = CStringGetTextDatum(now.description);
	values[3] = now.product_type ? CStringGetTextDatum(now.product_type) : (Datum) 0;
	nulls[3] = now.product_type ? ' ' : 'n';
	values[4] = BoolGetDatum(now.is_task);
	values[5] = now.product_tag ? CStringGetTextDatum(now.product_tag) : (Datum) 0;
	nulls[5] = now.product_tag ? ' ' : 'n';
	wr_execute_plan(undo_plan(UPLAN_UPDATE_WORKFLOW), values, nulls);

	if (int8_column(1) == 0)
		wr_report_unlinked(changes->name, now.product_type, now.product_tag,
						   int8_column(2) > 0);
	wr_notify_change(WR_WORKFLOW_UPDATED, 1);
	SPI_finish();
	return undo;
}

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
		wr_execute_plan(undo_plan(workflow ? UPLAN_UNDO_CREATE_WORKFLOW :
								  UPLAN_UNDO_CREATE_PRODUCT), values, NULL);
		if (SPI_processed != 1)
			report_drift(workflow ? "workflow" : "product", u->name, version,
						 "that it created no longer exists");
		wr_notify_change(workflow ? WR_WORKFLOW_DELETED : WR_PRODUCT_DELETED, 1);
	}
	else
	{
		WrUndoPlan	which;
		const char *what = "workflow";

		if (strcmp(u->op, "restore_workflow") == 0)
			which = UPLAN_RESTORE_WORKFLOW;
		else if (strcmp(u->op, "restore_workflow_values") == 0)
			which = UPLAN_RESTORE_WORKFLOW_VALUES;
		else if (strcmp(u->op, "restore_product") == 0)
		{
			which = UPLAN_RESTORE_PRODUCT;
			what = "product";
		}
		else
			elog(ERROR, "unrecognized undo operation \"%s\" in migration \"%s\"",
				 u->op, version);

		values[0] = u->row;
		values[1] = u->links;
		wr_execute_plan(undo_plan(which), values, NULL);
		if (int8_column(1) != 1)
			report_drift(what, u->name, version,
						 which == UPLAN_RESTORE_WORKFLOW_VALUES ?
						 "that it changed no longer exists" :
						 "that it deleted has been registered again");
		if (int8_column(2) != 0)
			report_drift(what, u->name, version,
						 "would not get back the links it had");
		wr_notify_change(which == UPLAN_RESTORE_PRODUCT ? WR_PRODUCT_CREATED :
						 which == UPLAN_RESTORE_WORKFLOW ? WR_WORKFLOW_CREATED :
						 WR_WORKFLOW_UPDATED, 1);
	}
	SPI_finish();
}
