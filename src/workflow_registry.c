/*-------------------------------------------------------------------------
 *
 * workflow_registry.c
 *	  SQL-callable entry points of the workflow_registry extension.
 *
 * Every SQL signature that a shipped script declares keeps its C symbol
 * here for good.  When a version changes what a function accepts, its
 * script points the function at a new symbol (create_workflow_1_1, ...), so
 * a database still on an older script keeps the behaviour that script
 * promised.
 *
 * The functions are not STRICT: a NULL argument is an error, not a silent
 * NULL result.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "attach.h"
#include "bulk.h"
#include "catalog.h"
#include "definition.h"
#include "fmgr.h"
#include "funcapi.h"
#include "import.h"
#include "ledger.h"
#include "manifest.h"
#include "message.h"
#include "miscadmin.h"
#include "notify.h"
#include "registry.h"
#include "tables.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

PG_FUNCTION_INFO_V1(create_workflow);
PG_FUNCTION_INFO_V1(create_workflow_1_1);
PG_FUNCTION_INFO_V1(create_workflow_1_2);
PG_FUNCTION_INFO_V1(create_workflow_1_8);
PG_FUNCTION_INFO_V1(create_workflow_1_11);
PG_FUNCTION_INFO_V1(create_task);
PG_FUNCTION_INFO_V1(delete_workflow);
PG_FUNCTION_INFO_V1(create_product);
PG_FUNCTION_INFO_V1(create_product_1_2);
PG_FUNCTION_INFO_V1(create_product_1_8);
PG_FUNCTION_INFO_V1(delete_product);
PG_FUNCTION_INFO_V1(create_workflows);
PG_FUNCTION_INFO_V1(create_workflows_1_8);
PG_FUNCTION_INFO_V1(create_workflows_1_11);
PG_FUNCTION_INFO_V1(apply_migration);
PG_FUNCTION_INFO_V1(apply_migration_1_8);
PG_FUNCTION_INFO_V1(apply_migration_1_11);
PG_FUNCTION_INFO_V1(revert_migration);
PG_FUNCTION_INFO_V1(revert_migration_1_8);
PG_FUNCTION_INFO_V1(plan_manifest);
PG_FUNCTION_INFO_V1(plan_manifest_1_8);
PG_FUNCTION_INFO_V1(sync_manifest);
PG_FUNCTION_INFO_V1(sync_manifest_1_8);
PG_FUNCTION_INFO_V1(check_code);
PG_FUNCTION_INFO_V1(check_code_1_8);
PG_FUNCTION_INFO_V1(check_code_1_9);
PG_FUNCTION_INFO_V1(import_orchestrator_core);
PG_FUNCTION_INFO_V1(import_orchestrator_core_1_8);
PG_FUNCTION_INFO_V1(valid_workflow_row);
PG_FUNCTION_INFO_V1(valid_workflow_row_1_7);
PG_FUNCTION_INFO_V1(valid_workflow_row_1_8);
PG_FUNCTION_INFO_V1(attach_orchestrator_core);
PG_FUNCTION_INFO_V1(attach_orchestrator_core_1_9);
PG_FUNCTION_INFO_V1(detach_orchestrator_core);
PG_FUNCTION_INFO_V1(detach_orchestrator_core_1_9);
PG_FUNCTION_INFO_V1(valid_target);
PG_FUNCTION_INFO_V1(valid_attached_workflow);
PG_FUNCTION_INFO_V1(link_new_product);

static Datum create_workflow_internal(FunctionCallInfo fcinfo,
									  WrApiVersion api);
static Datum create_product_internal(FunctionCallInfo fcinfo,
									 WrApiVersion api);
static Datum import_internal(FunctionCallInfo fcinfo, WrApiVersion api);
static Datum create_workflows_internal(FunctionCallInfo fcinfo,
									   WrApiVersion api);
static Datum apply_migration_internal(FunctionCallInfo fcinfo,
									  WrApiVersion api);
static Datum revert_migration_internal(FunctionCallInfo fcinfo,
									   WrApiVersion api);
static Datum plan_internal(FunctionCallInfo fcinfo, WrApiVersion api);
static Datum sync_internal(FunctionCallInfo fcinfo, WrApiVersion api);
static Datum check_internal(FunctionCallInfo fcinfo, WrApiVersion api,
							 int ncolumns);
static Datum attach_internal(FunctionCallInfo fcinfo, WrApiVersion api);
static Datum detach_internal(FunctionCallInfo fcinfo, WrApiVersion api);
static bool workflow_row_is_valid(FunctionCallInfo fcinfo, bool is_default);
static void prevent_write(const char *fname);
static void lock_registry(LOCKMODE mode);

/* Module load: count changes for the transaction's NOTIFY. */
void
_PG_init(void)
{
	wr_notify_init();
}

/*
 * Every writer calls this first, before it reads or locks anything: on a
 * hot standby ("during recovery") or in a read-only transaction it raises
 * core's 25006 (read_only_sql_transaction), as an INSERT would.  Without
 * it a writer on a standby failed with whatever its first statement or
 * lock hit: for some 55000 from the product-type lock, which is also the
 * README's code for an unmet migration prerequisite.
 */
static void
prevent_write(const char *fname)
{
	PreventCommandDuringRecovery(fname);
	PreventCommandIfReadOnly(fname);
}

/*
 * Before a writer reads the registry: the attachment lock, the first step
 * of the lock order (tables.c), in AccessShareLock for the writers and
 * AccessExclusiveLock for attach and detach; then, for a writer under
 * REPEATABLE READ, the check that its snapshot sees the attachment as it
 * is.
 */
static void
lock_registry(LOCKMODE mode)
{
	wr_check_catalog();
	wr_lock_attachment(mode);
	if (mode == AccessShareLock)
		wr_check_attachment_snapshot();
}

/*
 * Set up a set-returning function's result, whose SQL declaration (of the
 * version the entry point is bound to) has ncolumns columns.  The rows
 * below are built for that many: a script and a library that disagreed
 * would write past a row, so a mismatch is an error, as
 * pg_stat_statements checks its own declaration.
 */
static void
materialize(FunctionCallInfo fcinfo, int ncolumns)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != ncolumns)
		elog(ERROR, "incorrect number of output arguments: %d, expected %d",
			 rsinfo->setDesc->natts, ncolumns);
}

/* create_workflow(workflow jsonb) RETURNS uuid, as of 1.0 */
Datum
create_workflow(PG_FUNCTION_ARGS)
{
	return create_workflow_internal(fcinfo, WR_API_1_0);
}

/* ... as of 1.1: is_task */
Datum
create_workflow_1_1(PG_FUNCTION_ARGS)
{
	return create_workflow_internal(fcinfo, WR_API_1_1);
}

/* ... as of 1.2: product_tag */
Datum
create_workflow_1_2(PG_FUNCTION_ARGS)
{
	return create_workflow_internal(fcinfo, WR_API_1_2);
}

/* ... as of 1.8: default */
Datum
create_workflow_1_8(PG_FUNCTION_ARGS)
{
	return create_workflow_internal(fcinfo, WR_API_1_8);
}

/* ... as of 1.11: workflow_id */
Datum
create_workflow_1_11(PG_FUNCTION_ARGS)
{
	return create_workflow_internal(fcinfo, WR_API_1_11);
}

static Datum
create_workflow_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	WorkflowDef def;
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));
	bool		created;

	prevent_write("create_workflow()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("workflow definition", "create_workflow");

	lock_registry(AccessShareLock);
	wr_parse_workflow_registration(PG_GETARG_JSONB_P(0), api, &def);
	wr_register_workflow(&def, api, id, &created);
	PG_RETURN_UUID_P(id);
}

/* create_task(task jsonb) RETURNS uuid, as of 1.1 */
Datum
create_task(PG_FUNCTION_ARGS)
{
	WorkflowDef def;
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));
	bool		created;

	prevent_write("create_task()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("task definition", "create_task");

	lock_registry(AccessShareLock);
	wr_parse_task(PG_GETARG_JSONB_P(0), WR_API_1_1, &def);
	wr_register_workflow(&def, WR_API_1_1, id, &created);
	PG_RETURN_UUID_P(id);
}

/* delete_workflow(name text, if_exists boolean DEFAULT false) RETURNS void */
Datum
delete_workflow(PG_FUNCTION_ARGS)
{
	prevent_write("delete_workflow()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("workflow name", "delete_workflow");
	if (PG_ARGISNULL(1))
		wr_report_null_argument("if_exists", "delete_workflow");

	lock_registry(AccessShareLock);
	wr_unregister_workflow(text_to_cstring(PG_GETARG_TEXT_PP(0)),
						   PG_GETARG_BOOL(1));
	PG_RETURN_VOID();
}

/* create_product(product jsonb) RETURNS uuid, as of 1.0 */
Datum
create_product(PG_FUNCTION_ARGS)
{
	return create_product_internal(fcinfo, WR_API_1_0);
}

/* ... as of 1.2: link only to workflows whose product_tag matches */
Datum
create_product_1_2(PG_FUNCTION_ARGS)
{
	return create_product_internal(fcinfo, WR_API_1_2);
}

/* ... as of 1.8: link to the default workflows too */
Datum
create_product_1_8(PG_FUNCTION_ARGS)
{
	return create_product_internal(fcinfo, WR_API_1_8);
}

static Datum
create_product_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	ProductDef	def;
	pg_uuid_t  *id = palloc(sizeof(pg_uuid_t));
	bool		created;

	prevent_write("create_product()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("product definition", "create_product");

	lock_registry(AccessShareLock);
	wr_parse_product(PG_GETARG_JSONB_P(0), api, &def);
	wr_register_product(&def, api, id, &created);
	PG_RETURN_UUID_P(id);
}

/* delete_product(name text) RETURNS void */
Datum
delete_product(PG_FUNCTION_ARGS)
{
	prevent_write("delete_product()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("product name", "delete_product");

	lock_registry(AccessShareLock);
	wr_unregister_product(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}

/*
 * create_workflows(workflows jsonb) RETURNS TABLE (name text, workflow_id
 * uuid), as of 1.3
 */
Datum
create_workflows(PG_FUNCTION_ARGS)
{
	return create_workflows_internal(fcinfo, WR_API_1_3);
}

/* ... as of 1.8: default */
Datum
create_workflows_1_8(PG_FUNCTION_ARGS)
{
	return create_workflows_internal(fcinfo, WR_API_1_8);
}

/* ... as of 1.11: workflow_id */
Datum
create_workflows_1_11(PG_FUNCTION_ARGS)
{
	return create_workflows_internal(fcinfo, WR_API_1_11);
}

static Datum
create_workflows_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	prevent_write("create_workflows()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("workflow definitions", "create_workflows");

	materialize(fcinfo, 2);

	lock_registry(AccessShareLock);
	wr_register_workflows(PG_GETARG_JSONB_P(0), api,
						  rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}

/*
 * apply_migration(version text, description text, steps jsonb,
 *                 requires text[] DEFAULT '{}') RETURNS void, as of 1.3
 */
Datum
apply_migration(PG_FUNCTION_ARGS)
{
	return apply_migration_internal(fcinfo, WR_API_1_3);
}

/* ... as of 1.8: default in create_workflow and update_workflow steps */
Datum
apply_migration_1_8(PG_FUNCTION_ARGS)
{
	return apply_migration_internal(fcinfo, WR_API_1_8);
}

/* ... as of 1.11: update_workflows steps */
Datum
apply_migration_1_11(PG_FUNCTION_ARGS)
{
	return apply_migration_internal(fcinfo, WR_API_1_11);
}

static Datum
apply_migration_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	prevent_write("apply_migration()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("migration version", "apply_migration");
	if (PG_ARGISNULL(1))
		wr_report_null_argument("migration description", "apply_migration");
	if (PG_ARGISNULL(2))
		wr_report_null_argument("migration steps", "apply_migration");
	if (PG_ARGISNULL(3))
		wr_report_null_argument("requires", "apply_migration");

	lock_registry(AccessShareLock);
	wr_apply_migration(text_to_cstring(PG_GETARG_TEXT_PP(0)),
					   text_to_cstring(PG_GETARG_TEXT_PP(1)),
					   PG_GETARG_JSONB_P(2),
					   PG_GETARG_ARRAYTYPE_P(3), api);
	PG_RETURN_VOID();
}

/* revert_migration(version text) RETURNS void, as of 1.3 */
Datum
revert_migration(PG_FUNCTION_ARGS)
{
	return revert_migration_internal(fcinfo, WR_API_1_4);
}

/* ... as of 1.8: restores default workflows and their links */
Datum
revert_migration_1_8(PG_FUNCTION_ARGS)
{
	return revert_migration_internal(fcinfo, WR_API_1_8);
}

static Datum
revert_migration_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	char	   *version;

	prevent_write("revert_migration()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("migration version", "revert_migration");

	version = text_to_cstring(PG_GETARG_TEXT_PP(0));

	/* reverting an attach migration detaches: as detach, exclusively */
	lock_registry(strncmp(version, "attach-", 7) == 0 ?
				  AccessExclusiveLock : AccessShareLock);
	wr_revert_migration(version, api);
	PG_RETURN_VOID();
}

/*
 * plan(manifest jsonb, allow_delete boolean DEFAULT false)
 * RETURNS TABLE (action, kind, name, key, old_value, new_value), as of 1.4
 */
Datum
plan_manifest(PG_FUNCTION_ARGS)
{
	return plan_internal(fcinfo, WR_API_1_4);
}

/*
 * plan(), as of 1.8: workflow entries take the key "default", and attached
 * the default workflows are the manifest's to change too
 */
Datum
plan_manifest_1_8(PG_FUNCTION_ARGS)
{
	return plan_internal(fcinfo, WR_API_1_8);
}

static Datum
plan_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (PG_ARGISNULL(0))
		wr_report_null_argument("manifest", "plan");
	if (PG_ARGISNULL(1))
		wr_report_null_argument("allow_delete", "plan");

	materialize(fcinfo, 6);
	wr_check_catalog();
	wr_plan(PG_GETARG_JSONB_P(0), PG_GETARG_BOOL(1), api,
			rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}

/*
 * sync(manifest jsonb, version text, allow_delete boolean DEFAULT false)
 * RETURNS TABLE (action, kind, name, key, old_value, new_value), as of 1.4
 */
Datum
sync_manifest(PG_FUNCTION_ARGS)
{
	return sync_internal(fcinfo, WR_API_1_4);
}

/* sync(), as of 1.8: the plan of 1.8, its steps applied at 1.8 */
Datum
sync_manifest_1_8(PG_FUNCTION_ARGS)
{
	return sync_internal(fcinfo, WR_API_1_8);
}

static Datum
sync_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	prevent_write("sync()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("manifest", "sync");
	if (PG_ARGISNULL(1))
		wr_report_null_argument("migration version", "sync");
	if (PG_ARGISNULL(2))
		wr_report_null_argument("allow_delete", "sync");

	materialize(fcinfo, 6);
	lock_registry(AccessShareLock);
	wr_sync(PG_GETARG_JSONB_P(0), text_to_cstring(PG_GETARG_TEXT_PP(1)),
			PG_GETARG_BOOL(2), api, rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}

/*
 * check(code_workflows jsonb)
 * RETURNS TABLE (difference, name, code_target, registered_target), as of 1.4
 */
Datum
check_code(PG_FUNCTION_ARGS)
{
	return check_internal(fcinfo, WR_API_1_4, 4);
}

/*
 * check(code_workflows jsonb)
 * RETURNS TABLE (difference, kind, name, key, code_value, registered_value),
 * as of 1.8: descriptions, and the products orchestrator-core's
 * task_validate_products finds fault with
 */
Datum
check_code_1_8(PG_FUNCTION_ARGS)
{
	return check_internal(fcinfo, WR_API_1_8, 6);
}

/*
 * check(code_workflows jsonb), as of 1.9: attached, also the schedules of
 * orchestrator-core's scheduler that start a soft-deleted workflow or one
 * that is not a task
 */
Datum
check_code_1_9(PG_FUNCTION_ARGS)
{
	return check_internal(fcinfo, WR_API_1_9, 6);
}

static Datum
check_internal(FunctionCallInfo fcinfo, WrApiVersion api, int ncolumns)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (PG_ARGISNULL(0))
		wr_report_null_argument("code workflows", "check");

	materialize(fcinfo, ncolumns);
	wr_check_catalog();
	wr_check(PG_GETARG_JSONB_P(0), api, rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}

/*
 * import_orchestrator_core(source_schema name DEFAULT 'public',
 *                          dry_run boolean DEFAULT true)
 * RETURNS TABLE (kind, name, action, reason), as of 1.5
 */
Datum
import_orchestrator_core(PG_FUNCTION_ARGS)
{
	return import_internal(fcinfo, WR_API_1_5);
}

/* ... as of 1.8: a workflow linked to every product is a default workflow */
Datum
import_orchestrator_core_1_8(PG_FUNCTION_ARGS)
{
	return import_internal(fcinfo, WR_API_1_8);
}

static Datum
import_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	/* the dry run only reads, and works on a standby like plan() */
	if (PG_ARGISNULL(1) || !PG_GETARG_BOOL(1))
		prevent_write("import_orchestrator_core()");

	if (PG_ARGISNULL(0))
		wr_report_null_argument("source_schema", "import_orchestrator_core");
	if (PG_ARGISNULL(1))
		wr_report_null_argument("dry_run", "import_orchestrator_core");

	materialize(fcinfo, 4);
	if (PG_GETARG_BOOL(1))
		wr_check_catalog();
	else
		lock_registry(AccessShareLock);
	wr_refuse_attached("import_orchestrator_core()");
	wr_import_orchestrator_core(NameStr(*PG_GETARG_NAME(0)), PG_GETARG_BOOL(1),
								api, rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}

/*
 * attach_orchestrator_core(schema_name name DEFAULT 'public',
 *                          default_workflows text[] DEFAULT '{modify_note}')
 * RETURNS TABLE (kind, name, action, reason), as of 1.7: with both guards
 */
Datum
attach_orchestrator_core(PG_FUNCTION_ARGS)
{
	return attach_internal(fcinfo, WR_API_1_7);
}

/*
 * attach_orchestrator_core(schema_name, default_workflows,
 *                          target_check boolean DEFAULT false,
 *                          link_new_products boolean DEFAULT false)
 * RETURNS TABLE (kind, name, action, reason), as of 1.9: the guards that
 * change orchestrator-core's own behaviour only when asked for
 */
Datum
attach_orchestrator_core_1_9(PG_FUNCTION_ARGS)
{
	return attach_internal(fcinfo, WR_API_1_9);
}

static Datum
attach_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *defaults;
	WrAttachOptions options = {.target_check = true, .link_new_products = true};

	prevent_write("attach_orchestrator_core()");
	if (PG_ARGISNULL(0))
		wr_report_null_argument("schema_name", "attach_orchestrator_core");
	if (PG_ARGISNULL(1))
		wr_report_null_argument("default_workflows", "attach_orchestrator_core");
	if (api >= WR_API_1_9)
	{
		if (PG_ARGISNULL(2))
			wr_report_null_argument("target_check", "attach_orchestrator_core");
		if (PG_ARGISNULL(3))
			wr_report_null_argument("link_new_products", "attach_orchestrator_core");
		options.target_check = PG_GETARG_BOOL(2);
		options.link_new_products = PG_GETARG_BOOL(3);
	}
	defaults = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(defaults) > 1 || array_contains_nulls(defaults))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("default_workflows must be a one-dimensional array of names without NULLs"),
				 errdetail("It names the workflows linked to every product, as orchestrator-core's DEFAULT_PRODUCT_WORKFLOWS."),
				 errhint("Write it as '{modify_note}'.")));

	materialize(fcinfo, 4);
	lock_registry(AccessExclusiveLock);
	wr_attach(NameStr(*PG_GETARG_NAME(0)), defaults, &options, api,
			  rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}

/* detach_orchestrator_core() RETURNS void, as of 1.7 */
Datum
detach_orchestrator_core(PG_FUNCTION_ARGS)
{
	return detach_internal(fcinfo, WR_API_1_7);
}

/* detach_orchestrator_core(), as of 1.9: reverts the migration recorded */
Datum
detach_orchestrator_core_1_9(PG_FUNCTION_ARGS)
{
	return detach_internal(fcinfo, WR_API_1_9);
}

static Datum
detach_internal(FunctionCallInfo fcinfo, WrApiVersion api)
{
	prevent_write("detach_orchestrator_core()");
	lock_registry(AccessExclusiveLock);
	wr_detach(api);
	PG_RETURN_VOID();
}

/*
 * valid_target(target varchar) RETURNS boolean, as of 1.7: the CHECK
 * constraint attach puts on orchestrator-core's workflows.target.  NULL
 * passes, as in any CHECK (the column is NOT NULL).
 */
Datum
valid_target(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(true);
	wr_check_catalog();
	PG_RETURN_BOOL(wr_is_target_label(text_to_cstring(PG_GETARG_TEXT_PP(0))));
}

/*
 * valid_attached_workflow(product_type varchar, product_tag varchar,
 * is_default boolean) RETURNS boolean, as of 1.10: the CHECK constraint of
 * attached_workflows, the rules of 1.7's SQL expression
 *	 NOT (is_default AND product_type IS NOT NULL)
 *	 AND (product_tag IS NULL OR product_type IS NOT NULL)
 * as one C call, for the reason valid_workflow_row gives: every attached
 * registration writes the table, and read and planned again for each
 * statement, the expression cost more than the rest of that insert.  A
 * NULL is_default (the column is NOT NULL) passes where the expression's
 * NULL did, as false.
 */
Datum
valid_attached_workflow(PG_FUNCTION_ARGS)
{
	bool		typed = !PG_ARGISNULL(0);
	bool		tagged = !PG_ARGISNULL(1);
	bool		is_default = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);

	PG_RETURN_BOOL(!(is_default && typed) && (!tagged || typed));
}

/* link_new_product() RETURNS trigger, as of 1.7 */
Datum
link_new_product(PG_FUNCTION_ARGS)
{
	wr_link_new_product(fcinfo, WR_API_1_7);
	return PointerGetDatum(NULL);
}

/*
 * valid_workflow_row(name, description, product_type, product_tag, is_task)
 * RETURNS boolean, as of 1.6
 *
 * The CHECK constraint of the workflows table; the rules are
 * wr_valid_workflow_row()'s, beside the parser's in definition.c.  Up to
 * 1.5 these were four SQL expressions; the executor reads and plans a
 * table's CHECK expressions again for every statement that writes it, and
 * for one registration that was a sixth of its time.  One C call costs a
 * small part of that.
 *
 * A constraint is a promise about every row already stored, so each SQL
 * version binds the function to a symbol of its own, and a symbol's rules
 * never change: rules that a later version changes get a new symbol, and
 * the older ones go on calling the rules they had.  1.6 and 1.7 have the
 * same rules.
 */
Datum
valid_workflow_row(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(workflow_row_is_valid(fcinfo, false));
}

/* ... as of 1.7: the same rules, under the symbol of their version */
Datum
valid_workflow_row_1_7(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(workflow_row_is_valid(fcinfo, false));
}

/*
 * valid_workflow_row(name, description, product_type, product_tag, is_task,
 * is_default) RETURNS boolean, as of 1.8: a default workflow has no product
 * type and is no task.  A NULL is_default is not a default workflow (the
 * column is NOT NULL).
 */
Datum
valid_workflow_row_1_8(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(workflow_row_is_valid(fcinfo,
										 !PG_ARGISNULL(5) && PG_GETARG_BOOL(5)));
}

/*
 * The rules of 1.6 and 1.7, and with is_default those of 1.8.  Not strict:
 * a NULL passes as it would in a CHECK expression, except where a rule is
 * about NULL.
 */
static bool
workflow_row_is_valid(FunctionCallInfo fcinfo, bool is_default)
{
	bool		is_task = PG_ARGISNULL(4) ? false : PG_GETARG_BOOL(4);

	return wr_valid_workflow_row(PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0),
								 PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1),
								 !PG_ARGISNULL(2),
								 PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3),
								 PG_ARGISNULL(4) ? NULL : &is_task,
								 is_default);
}
