/*-------------------------------------------------------------------------
 *
 * classify.c
 *	  Which of orchestrator-core's workflows the registry manages: the rules
 *	  attach classifies them by, and adopting those orchestrator-core
 *	  registers itself after attach.
 *
 * orchestrator-core stores no product type on a workflow: attached, a
 * workflow the registry manages has a row of attached_workflows with its
 * product type and tag, or that it is a default workflow.  Attach gives
 * every workflow of the table one by these rules:
 *
 *	 attach		a task, or linked to all the products of one type, or to all
 *				those of one tag of a type
 *	 default	named in the attachment's default workflows: linked to every
 *				product
 *	 skip		soft-deleted
 *	 leave		anything else, with the reason: orchestrator-core's own
 *
 * orchestrator-core goes on registering workflows with its own helpers
 * after attach.  When the registry next meets such a workflow (a writer
 * registering, changing or syncing it) it adopts it by the same rules, so
 * the result is the one a detach and attach would give: one that fits is
 * managed from then on, one that does not stays orchestrator-core's, with
 * the reason.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "classify.h"
#include "message.h"
#include "spi.h"
#include "tables.h"
#include "utils/array.h"
#include "utils/builtins.h"

/*
 * The classification of orchestrator-core's workflows w in schema, as
 * CTEs ending in "k" (to follow WITH): the columns of w, and action,
 * reason, product_type, product_tag, is_default and valid_target.
 * "defaults" is an SQL expression for the text[] of default names;
 * "filter" is added to the WHERE of the workflows classified, and only
 * their links are read: adopting one name does not aggregate the links of
 * every workflow.  Only
 * built-in and the extension's objects are named, schema-qualified.
 */
char *
wr_classification_ctes(const char *schema, const char *defaults,
					   const char *filter)
{
	return psprintf("cand AS ("
					" SELECT w.* FROM %3$s AS w WHERE true %5$s),"
					" links AS ("
					" SELECT pw.workflow_id, pg_catalog.count(*) AS nlinks,"
					" pg_catalog.count(DISTINCT p.product_type) AS ntypes,"
					" pg_catalog.min(p.product_type::pg_catalog.text) AS ptype,"
					" pg_catalog.count(DISTINCT p.tag) AS ntags,"
					" pg_catalog.min(p.tag::pg_catalog.text) AS ptag,"
					" pg_catalog.array_agg(p.product_id ORDER BY p.product_id) AS linked"
					" FROM %2$s AS pw JOIN %1$s AS p"
					" ON p.product_id OPERATOR(pg_catalog.=) pw.product_id"
					" WHERE pw.workflow_id OPERATOR(pg_catalog.=) ANY (SELECT cand.workflow_id FROM cand)"
					" GROUP BY pw.workflow_id),"
					" type_sets AS ("
					" SELECT p.product_type::pg_catalog.text AS product_type,"
					" pg_catalog.array_agg(p.product_id ORDER BY p.product_id) AS ids"
					" FROM %1$s AS p GROUP BY 1),"
					" tag_sets AS ("
					" SELECT p.product_type::pg_catalog.text AS product_type, p.tag::pg_catalog.text AS tag,"
					" pg_catalog.array_agg(p.product_id ORDER BY p.product_id) AS ids"
					" FROM %1$s AS p GROUP BY 1, 2),"
					" c AS ("
					" SELECT w.workflow_id, w.name::pg_catalog.text AS name,"
					" w.target::pg_catalog.text AS target, w.is_task, w.deleted_at,"
					" l.nlinks, l.ntypes, l.ptype, l.ntags, l.ptag, l.linked,"
					" ts.ids AS all_of_type, gs.ids AS all_of_tag,"
					" COALESCE(w.name::pg_catalog.text OPERATOR(pg_catalog.=) ANY (%4$s), false) AS is_default,"
					" workflow_registry.valid_target(w.target) AS valid_target"
					" FROM cand AS w"
					" LEFT JOIN links AS l ON l.workflow_id OPERATOR(pg_catalog.=) w.workflow_id"
					" LEFT JOIN type_sets AS ts ON ts.product_type OPERATOR(pg_catalog.=) l.ptype"
					" LEFT JOIN tag_sets AS gs ON gs.product_type OPERATOR(pg_catalog.=) l.ptype"
					" AND gs.tag OPERATOR(pg_catalog.=) l.ptag),"
					" k AS ("
					" SELECT c.*,"
					" CASE WHEN c.deleted_at IS NOT NULL THEN 'skip'"
					" WHEN NOT c.valid_target THEN 'leave'"
					" WHEN c.is_default THEN 'default'"
					" WHEN c.nlinks IS NULL THEN CASE WHEN c.is_task THEN 'attach' ELSE 'leave' END"
					" WHEN c.ntypes OPERATOR(pg_catalog.>) 1 THEN 'leave'"
					" WHEN c.linked OPERATOR(pg_catalog.=) c.all_of_type THEN 'attach'"
					" WHEN c.ntags OPERATOR(pg_catalog.=) 1"
					" AND c.linked OPERATOR(pg_catalog.=) c.all_of_tag THEN 'attach'"
					" ELSE 'leave' END AS action,"
					" CASE WHEN c.deleted_at IS NOT NULL THEN 'it is soft-deleted'"
					" WHEN NOT c.valid_target"
					" THEN pg_catalog.format('its target %%L is not a label of workflow_registry.target', c.target)"
					" WHEN c.is_default THEN 'a default workflow: linked to every product'"
					" WHEN c.nlinks IS NULL AND NOT c.is_task THEN 'it is linked to no product and is not a task'"
					" WHEN c.ntypes OPERATOR(pg_catalog.>) 1 THEN 'it is linked to products of several product types'"
					" WHEN c.linked OPERATOR(pg_catalog.<>) c.all_of_type"
					" AND NOT (c.ntags OPERATOR(pg_catalog.=) 1 AND c.linked OPERATOR(pg_catalog.=) c.all_of_tag)"
					" THEN pg_catalog.format('it is linked to only some of the products of type %%L, and not to all those of one tag', c.ptype)"
					" END AS reason,"
					" CASE WHEN NOT c.is_default THEN c.ptype END AS product_type,"
					" CASE WHEN NOT c.is_default AND c.linked OPERATOR(pg_catalog.<>) c.all_of_type"
					" THEN c.ptag END AS product_tag"
					" FROM c)",
					wr_attached_table(schema, "products"),
					wr_attached_table(schema, "products_workflows"),
					wr_attached_table(schema, "workflows"),
					defaults, filter);
}

typedef enum WrClassifyStatement
{
	CLASSIFY_DEFAULTS,
	CLASSIFY_ADOPT,
	CLASSIFY_SCHEDULES
} WrClassifyStatement;

static char *build_adopt(const char *schema);
static char *build_schedules(const char *schema);

static const WrStatement classify_sql[] = {
	/* the default workflows named at attach, read as the extension's owner */
	[CLASSIFY_DEFAULTS] = {
		.sql = "SELECT a.default_workflows FROM workflow_registry.attachment AS a",
		.read_only = true
	},
	/*
	 * The workflows of the names in $1 (all, if NULL) that are not
	 * soft-deleted and that the registry does not manage yet: classified,
	 * with the default workflows $2, recorded if they fit; returns name,
	 * action and reason of each.
	 */
	[CLASSIFY_ADOPT] = {
		.attached = build_adopt,
		.nargs = 2, .argtypes = {TEXTARRAYOID, TEXTARRAYOID}
	},
	/* the schedules of the workflow named $1, or of id $2 */
	[CLASSIFY_SCHEDULES] = {
		.attached = build_schedules,
		.nargs = 2, .argtypes = {TEXTOID, TEXTOID}, .read_only = true
	},
};

static WrStatements statements = WR_STATEMENTS(classify_sql);

static char *
build_adopt(const char *schema)
{
	return psprintf("WITH %s,"
					" adopted AS ("
					" INSERT INTO workflow_registry.attached_workflows"
					" (workflow_id, product_type, product_tag, is_default)"
					" SELECT k.workflow_id, k.product_type, k.product_tag, k.is_default FROM k"
					" WHERE k.action OPERATOR(pg_catalog.=) ANY ('{attach,default}'::pg_catalog.text[])"
					" ON CONFLICT (workflow_id) DO NOTHING)"
					" SELECT k.name, k.action, k.reason FROM k ORDER BY k.name",
					wr_classification_ctes(schema, "$2",
										   "AND w.deleted_at IS NULL"
										   " AND ($1 IS NULL OR w.name::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($1))"
										   " AND NOT EXISTS (SELECT FROM workflow_registry.attached_workflows AS m"
										   " WHERE m.workflow_id OPERATOR(pg_catalog.=) w.workflow_id)"));
}

/*
 * Attached: adopt the workflows of the names (a text[], or 0 for every
 * one) that orchestrator-core registered itself and the registry does not
 * manage yet, by attach's rules.  SPI_tuptable then holds (name, action,
 * reason) for each such workflow, adopted or left.  Does nothing while not
 * attached.  The caller is connected to SPI and holds the locks of the
 * product types it will write.
 */
void
wr_adopt_workflows(Datum names)
{
	Datum		values[2];
	char		nulls[2] = {names == (Datum) 0 ? 'n' : ' ', ' '};

	if (wr_attached_schema() == NULL)
		return;
	wr_execute(&statements, CLASSIFY_DEFAULTS, NULL, NULL);
	values[0] = names;
	values[1] = SPI_processed == 1 ? wr_result_datum_copy(1) :
		PointerGetDatum(construct_empty_array(TEXTOID));
	wr_execute(&statements, CLASSIFY_ADOPT, values, nulls);
}

/*
 * Attached, before a writer registers or changes workflow "name": adopt it
 * if orchestrator-core registered it itself and it fits the rules, and
 * refuse, with the reason attach would give, one that does not.  Does
 * nothing for a name that is not there or is managed already, or while not
 * attached.  The caller is connected to SPI.
 */
void
wr_adopt_workflow(const char *name)
{
	const char *names[1] = {name};

	if (wr_attached_schema() == NULL)
		return;
	wr_adopt_workflows(wr_text_array(names, 1));
	for (uint64 r = 0; r < SPI_processed; r++)
		if (strcmp(SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2),
				   "leave") == 0)
			wr_report_unmanaged(SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1),
								SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 3));
}

/*
 * The error of a workflow the registry does not manage: orchestrator-core's
 * own, for the reason attach's rules give.
 */
void
wr_report_unmanaged(const char *name, const char *reason)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("workflow \"%s\" is not managed by the registry", wr_clip(name)),
			 errdetail("It is orchestrator-core's own: %s, so attach_orchestrator_core()'s rules leave it to orchestrator-core, and the registry changes only the workflows it manages.",
					   reason),
			 errhint("Correct it in orchestrator-core (its links or its target), or delete it with delete_workflow() and register it again.")));
}

/*
 * orchestrator-core 4.x and 5.x start scheduled tasks by the rows of
 * workflows_apscheduler_jobs (its scheduler's jobs linked to workflows),
 * which a release before 4 does not have.
 */
static char *
build_schedules(const char *schema)
{
	if (!wr_attached_table_exists(schema, "workflows_apscheduler_jobs"))
		return pstrdup("SELECT NULL::pg_catalog.text WHERE $1 IS NULL AND $2 IS NULL AND false");
	return psprintf("SELECT s.schedule_id::pg_catalog.text FROM %s AS s"
					" JOIN %s AS w ON w.workflow_id OPERATOR(pg_catalog.=) s.workflow_id"
					" WHERE w.name OPERATOR(pg_catalog.=) $1"
					" OR w.workflow_id OPERATOR(pg_catalog.=) $2::pg_catalog.uuid"
					" ORDER BY 1",
					wr_attached_table(schema, "workflows_apscheduler_jobs"),
					wr_attached_table(schema, "workflows"));
}

/*
 * Attached, before a workflow is deleted (by name, or by id when name is
 * NULL; "what" says whose name to report): refuse one that
 * orchestrator-core's scheduler starts.  Its foreign key would drop the
 * schedule's link with the row, or keep it to a soft-deleted workflow,
 * while the scheduler goes on starting the task.  The caller is connected
 * to SPI.
 */
void
wr_check_no_schedules(const char *name, const char *id, const char *what)
{
	Datum		values[2];
	char		nulls[2];

	if (wr_attached_schema() == NULL)
		return;
	values[0] = wr_text_or_null(name, &nulls[0]);
	values[1] = wr_text_or_null(id, &nulls[1]);
	wr_execute(&statements, CLASSIFY_SCHEDULES, values, nulls);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("workflow \"%s\" has a schedule", wr_clip(what)),
				 errdetail("orchestrator-core's scheduler starts it by schedule \"%s\" (workflows_apscheduler_jobs); deleting the workflow would leave the scheduler starting a task orchestrator-core no longer lists.",
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)),
				 errhint("Remove the schedule with orchestrator-core's scheduler first (DELETE /api/schedules with its schedule_id and workflow_id), then delete the workflow.")));
}
