/*-------------------------------------------------------------------------
 *
 * attach.c
 *	  attach_orchestrator_core(): a registry that lives in
 *	  orchestrator-core's own tables.
 *
 * A running orchestrator-core reads its workflows, products and
 * products_workflows, in the schema its search_path finds, and its
 * processes and subscriptions refer to them.  Attached, those tables are the
 * registry: the functions register, delete and link there, in the caller's
 * transaction, so the orchestrator sees each change at once.  The extension
 * keeps beside them only what they have no column for, in
 * workflow_registry.attached_workflows: each managed workflow's product
 * type and tag, or that it is a default workflow (one linked to every
 * product, as orchestrator-core's DEFAULT_PRODUCT_WORKFLOWS).  A workflow
 * of the table without such a row is orchestrator-core's own business: the
 * functions never change it, and its name is taken.
 *
 * Nothing is added that orchestrator-core's ORM or its own writers could
 * trip over (no enum, no view, no new column): a CHECK constraint that its
 * target is a label of workflow_registry.target, which every writer of
 * orchestrator-core satisfies, and a trigger after INSERT on products that
 * links a product orchestrator-core inserts itself as create_product()
 * would.
 *
 * Those tables belong to orchestrator-core's role, not to the extension's
 * owner, as whom the functions run, so every statement on them runs as
 * their owner (tables.c), attach's and detach's own included; attach
 * grants that role what those statements need of the extension's objects.
 * Only the extension's owner may attach or detach, since it decides where
 * every writer of the registry writes.  Where the registry is, and the
 * cache of it, is tables.c's: attach and detach only change it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "attach.h"
#include "catalog.h"
#include "classify.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "guards.h"
#include "ledger.h"
#include "lib/stringinfo.h"
#include "links.h"
#include "message.h"
#include "miscadmin.h"
#include "shapes.h"
#include "spi.h"
#include "tables.h"
#include "undo.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

typedef enum WrAttachStatement
{
	ATTACH_OWN_ROWS,
	ATTACH_INSERT,
	ATTACH_INSERT_1_9,
	ATTACH_NUMBER,
	ATTACH_APPLIED_VERSION,
	ATTACH_MIGRATION,
	ATTACH_LINK_PRODUCT
} WrAttachStatement;

static char *build_link_product(const char *schema);

static const WrStatement attach_sql[] = {
	/* run with the latest snapshot: see wr_attach */
	[ATTACH_OWN_ROWS] = {
		.sql = "SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.workflows)"
		" OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM workflow_registry.products)",
		.read_only = true
	},
	[ATTACH_INSERT] = {
		.sql = "INSERT INTO workflow_registry.attachment"
		" (schema_name, default_workflows, attached_by, tables_owner)"
		" VALUES ($1, $2, $3, $4::pg_catalog.regrole)",
		.nargs = 4, .argtypes = {NAMEOID, TEXTARRAYOID, NAMEOID, OIDOID}
	},
	/* from 1.9, with the guards it has and the migration that attached */
	[ATTACH_INSERT_1_9] = {
		.sql = "INSERT INTO workflow_registry.attachment"
		" (schema_name, default_workflows, attached_by, tables_owner,"
		" target_check, link_new_products, migration)"
		" VALUES ($1, $2, $3, $4::pg_catalog.regrole, $5, $6, $7)",
		.nargs = 7, .argtypes = {NAMEOID, TEXTARRAYOID, NAMEOID, OIDOID,
		BOOLOID, BOOLOID, TEXTOID}
	},
	/* the number the next attachment of a schema gets: $1 "attach-<schema>-" */
	[ATTACH_NUMBER] = {
		.sql = "SELECT pg_catalog.count(*) OPERATOR(pg_catalog.+) 1"
		" FROM workflow_registry.migrations"
		" WHERE pg_catalog.starts_with(version, $1)",
		.nargs = 1, .argtypes = {TEXTOID}, .read_only = true
	},
	/*
	 * The attach migration of an attachment made before 1.9, which does
	 * not record it: the newest applied one of the schema, $1
	 * "attach-<schema>-".
	 */
	[ATTACH_APPLIED_VERSION] = {
		.sql = "SELECT m.version FROM workflow_registry.migrations AS m"
		" WHERE m.kind OPERATOR(pg_catalog.=) 'data' AND m.reverted_at IS NULL"
		" AND pg_catalog.starts_with(m.version, $1)"
		" ORDER BY m.applied_at DESC LIMIT 1",
		.nargs = 1, .argtypes = {TEXTOID}, .read_only = true
	},
	/* from 1.9: the attach migration, as the attachment records it */
	[ATTACH_MIGRATION] = {
		.sql = "SELECT a.migration FROM workflow_registry.attachment AS a",
		.read_only = true
	},
	/*
	 * A product orchestrator-core inserted: $1 its id, $2 its type, $3 its
	 * tag.  Only ever run attached.
	 */
	[ATTACH_LINK_PRODUCT] = {
		.attached = build_link_product,
		.nargs = 3, .argtypes = {UUIDOID, TEXTOID, TEXTOID}
	},
};

static WrStatements statements = WR_STATEMENTS(attach_sql);

/*
 * Raise an error if the registry is attached: for the functions that do not
 * work on orchestrator-core's tables yet.
 */
void
wr_refuse_attached(const char *function)
{
	const char *schema = wr_attached_schema();

	if (schema != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s is not available while the registry is attached to orchestrator-core's tables",
						function),
				 errdetail("The registry already is orchestrator-core's tables in schema \"%s\"; the import copies such tables into the extension's own, which attaching replaces.",
						   schema),
				 errhint("Run detach_orchestrator_core() first to import into the extension's own tables.")));
}

static char *
build_link_product(const char *schema)
{
	return psprintf("INSERT INTO %s AS pw (product_id, workflow_id)"
					" SELECT $1, m.workflow_id"
					" FROM workflow_registry.attached_workflows AS m"
					" JOIN %s AS w ON w.workflow_id OPERATOR(pg_catalog.=) m.workflow_id"
					" WHERE w.deleted_at IS NULL AND (m.is_default OR"
					WR_LINK_RULE("$2", "$3", "m.product_type", "m.product_tag") ")"
					" ON CONFLICT DO NOTHING",
					wr_attached_table(schema, "products_workflows"),
					wr_attached_table(schema, "workflows"));
}

/*
 * Only the extension's owner (or a member of its role) may attach or
 * detach: it decides where every writer of the registry writes.
 */
static void
check_extension_owner(const char *function)
{
	Oid			owner = InvalidOid;
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("workflow_registry"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!has_privs_of_role(GetOuterUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to run %s", function),
				 errdetail("Attaching and detaching decide where every writer of the registry writes; only the owner of extension \"workflow_registry\" may."),
				 errhint("Run it as the role that created the extension, in the schema migration that creates it.")));
}

/*
 * Classify orchestrator-core's rows, record what the registry manages, and
 * return one row per workflow and product in out; returns the number of
 * workflows whose target is not a label.  $1 is the default workflows.
 */
static int64
classify(const char *schema, Oid owner, Datum default_workflows,
		 Tuplestorestate *out, TupleDesc outdesc)
{
	Oid			argtypes[1] = {TEXTARRAYOID};
	int64		bad_targets = 0;
	char	   *sql;

	sql = psprintf("WITH %s,"
				   " meta AS ("
				   " INSERT INTO workflow_registry.attached_workflows"
				   " (workflow_id, product_type, product_tag, is_default)"
				   " SELECT k.workflow_id, k.product_type, k.product_tag, k.is_default FROM k"
				   " WHERE k.action OPERATOR(pg_catalog.=) ANY ('{attach,default}'::pg_catalog.text[]))"
				   " SELECT CASE WHEN k.is_task AND k.product_type IS NULL THEN 'task' ELSE 'workflow' END,"
				   " k.name, k.action, k.reason, NOT k.valid_target FROM k"
				   " UNION ALL"
				   " SELECT 'product', p.name::pg_catalog.text, 'attach', NULL, false FROM %s AS p"
				   " ORDER BY 1, 2",
				   wr_classification_ctes(schema, "$1", ""),
				   wr_attached_table(schema, "products"));
	wr_run_as(owner, schema, sql, 1, argtypes, &default_workflows);

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Datum		row[4];
		bool		nulls[4];
		bool		isnull;

		for (int c = 0; c < 4; c++)
			row[c] = SPI_getbinval(tup, desc, c + 1, &nulls[c]);
		tuplestore_putvalues(out, outdesc, row, nulls);
		if (DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull)))
			bad_targets++;
	}
	return bad_targets;
}

/*
 * The version of the n-th attach of a schema, "attach-<schema>-<n>".
 * attach- versions are reserved (ledger.c), so it is free.  The caller
 * holds the ledger lock and is connected to SPI.
 */
static char *
attachment_version(const char *schema)
{
	Datum		pattern[1];

	pattern[0] = CStringGetTextDatum(psprintf("attach-%s-", schema));
	wr_execute(&statements, ATTACH_NUMBER, pattern, NULL);
	return psprintf("attach-%s-" INT64_FORMAT, schema, wr_result_int8(1));
}

/*
 * The attachment as a data migration of the ledger, whose undo detaches.
 * From 1.9 its steps name the guards asked for.  The caller holds the
 * ledger lock.
 */
static void
record_attachment(const char *version, const char *schema,
				  const WrAttachOptions *options, WrApiVersion api,
				  TimestampTz started)
{
	StringInfoData steps;

	initStringInfo(&steps);
	appendStringInfoString(&steps, "[{\"attach_orchestrator_core\": {\"schema_name\": ");
	escape_json(&steps, schema);
	if (api >= WR_API_1_9)
		appendStringInfo(&steps, ", \"target_check\": %s, \"link_new_products\": %s",
						 options->target_check ? "true" : "false",
						 options->link_new_products ? "true" : "false");
	appendStringInfoString(&steps, "}}]");
	wr_record_migration(version,
						psprintf("Attached to orchestrator-core's tables in schema %s",
								 quote_identifier(schema)),
						construct_empty_array(TEXTOID),
						DirectFunctionCall1(jsonb_in, CStringGetDatum(steps.data)),
						list_make1(DatumGetPointer(wr_undo_entry_for_detach())),
						NIL, started);
}

/*
 * attach_orchestrator_core(schema, default_workflows, ...): see the file
 * header.  Puts one row per workflow and product into out: kind, name,
 * action (attach, default, skip, leave) and the reason.  Before 1.9 both
 * guards are added; from 1.9 those the options ask for.
 */
void
wr_attach(const char *schema, ArrayType *default_workflows,
		  const WrAttachOptions *options, WrApiVersion api,
		  Tuplestorestate *out, TupleDesc outdesc)
{
	TimestampTz started = GetCurrentTimestamp();
	const char *attached = wr_attached_schema();
	static const char *const tables[] = {"products", "products_workflows", "workflows"};
	Oid			nspid;
	Oid			owner = InvalidOid;
	int64		bad_targets;
	char	   *version;
	Datum		values[7];

	if (!OidIsValid(wr_attachment_relid()))
		elog(ERROR, "attach_orchestrator_core needs the 1.7 tables");
	check_extension_owner("attach_orchestrator_core()");
	if (attached != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("the registry is already attached to schema \"%s\"", attached),
				 errdetail("A database has one registry."),
				 errhint("Run detach_orchestrator_core() first to attach another schema.")));

	nspid = get_namespace_oid(schema, false);
	if (isAnyTempNamespace(nspid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot attach the temporary schema \"%s\"", schema),
				 errdetail("A temporary schema is one session's; the registry is every session's."),
				 errhint("Attach the schema that holds orchestrator-core's tables, as its migrations create them.")));
	wr_check_schema_usage(nspid, schema);

	/*
	 * The caller holds the attachment lock, so no writer is in flight;
	 * one that committed after this transaction's snapshot must be counted
	 * too.
	 */
	SPI_connect();
	wr_lock_ledger();
	if (SPI_execute_snapshot(wr_kept_plan(&statements, ATTACH_OWN_ROWS, WR_API_1_0),
							 NULL, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 true, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_snapshot failed");
	if (wr_result_int8(1) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the extension's own registry is not empty"),
				 errdetail("It has " INT64_FORMAT " workflows and products; attached, the registry is orchestrator-core's tables and the extension's own stay unused.",
						   wr_result_int8(1)),
				 errhint("Delete them, or move them into orchestrator-core's tables, before attaching.")));

	/*
	 * The tables must be orchestrator-core's, as the import accepts them,
	 * and the caller's own: attach puts guards on them.
	 */
	for (size_t t = 0; t < lengthof(tables); t++)
	{
		Relation	rel = wr_open_orchestrator_table(nspid, schema, tables[t], true,
													 "attach_orchestrator_core()");

		if (t == 0)
			owner = rel->rd_rel->relowner;
		else if (rel->rd_rel->relowner != owner)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the tables of schema \"%s\" have different owners", schema),
					 errdetail("Table \"%s\" belongs to role \"%s\", table \"%s\" to role \"%s\"; attached, the functions read and write all three as their owner.",
							   tables[0], GetUserNameFromId(owner, false),
							   tables[t], GetUserNameFromId(rel->rd_rel->relowner, false)),
					 errhint("Give the three tables one owner, as orchestrator-core's migrations do.")));
		table_close(rel, NoLock);
	}

	wr_grant_tables_owner(owner, options->link_new_products);
	bad_targets = classify(schema, owner, PointerGetDatum(default_workflows),
						   out, outdesc);
	wr_add_guards(schema, owner, options->target_check, bad_targets == 0,
				  options->link_new_products);

	version = attachment_version(schema);
	values[0] = DirectFunctionCall1(namein, CStringGetDatum(schema));
	values[1] = PointerGetDatum(default_workflows);
	values[2] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetOuterUserId(), false)));
	values[3] = ObjectIdGetDatum(owner);
	values[4] = BoolGetDatum(options->target_check);
	values[5] = BoolGetDatum(options->link_new_products);
	values[6] = CStringGetTextDatum(version);
	wr_execute(&statements, api >= WR_API_1_9 ? ATTACH_INSERT_1_9 : ATTACH_INSERT,
			   values, NULL);
	wr_attachment_changed();

	record_attachment(version, schema, options, api, started);
	SPI_finish();
}

/*
 * detach_orchestrator_core(): revert the attach migration, whose undo is
 * wr_drop_attachment() (guards.c).
 */
void
wr_detach(WrApiVersion api)
{
	const char *schema;
	char	   *version;

	check_extension_owner("detach_orchestrator_core()");
	schema = wr_attached_schema();
	if (schema == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the registry is not attached"),
				 errdetail("The registry is the extension's own tables."),
				 errhint("attach_orchestrator_core() attaches it to orchestrator-core's tables.")));

	/*
	 * The attach migration itself: from 1.9 the attachment records it;
	 * before, the newest applied one of the schema.
	 */
	SPI_connect();
	version = NULL;
	if (api >= WR_API_1_9)
	{
		wr_execute(&statements, ATTACH_MIGRATION, NULL, NULL);
		if (SPI_processed == 1)
			version = wr_result_text_copy(1);
	}
	if (version == NULL)
	{
		Datum		pattern[1];

		pattern[0] = CStringGetTextDatum(psprintf("attach-%s-", schema));
		wr_execute(&statements, ATTACH_APPLIED_VERSION, pattern, NULL);
		version = SPI_processed == 1 ? wr_result_text_copy(1) : NULL;
	}
	SPI_finish();
	if (version != NULL)
		wr_revert_migration(version, api);
	else
	{
		/* the ledger lost its row (a restore without data migrations) */
		SPI_connect();
		wr_lock_ledger();
		SPI_finish();
		wr_drop_attachment();
	}
}

/* A column of the new row, by name, as text; NULL for NULL. */
static char *
new_value(TriggerData *trigdata, const char *column)
{
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	int			attnum = SPI_fnumber(desc, column);

	if (attnum <= 0)
		elog(ERROR, "column \"%s\" of \"%s\" is missing", column,
			 RelationGetRelationName(trigdata->tg_relation));
	return SPI_getvalue(trigdata->tg_trigtuple, desc, attnum);
}

/*
 * link_new_product(): the trigger after INSERT on an attached products
 * table.  Links the new product to the managed workflows of its type and
 * tag and to the default ones, under the product-type lock a product
 * registration takes.  A trigger left on a schema that is no longer
 * attached does nothing.
 */
void
wr_link_new_product(FunctionCallInfo fcinfo, WrApiVersion api)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *schema;
	char	   *type;
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("link_new_product() must be fired after INSERT for each row")));

	wr_check_catalog();
	schema = wr_attached_schema();
	if (schema == NULL ||
		strcmp(schema, get_namespace_name(RelationGetNamespace(trigdata->tg_relation))) != 0 ||
		strcmp(RelationGetRelationName(trigdata->tg_relation), "products") != 0)
		return;

	type = new_value(trigdata, "product_type");
	if (type == NULL)
		return;
	wr_lock_product_type(type, ExclusiveLock);
	wr_lock_default_workflows(RowExclusiveLock, true, api);

	values[0] = SPI_getbinval(trigdata->tg_trigtuple,
							  RelationGetDescr(trigdata->tg_relation),
							  SPI_fnumber(RelationGetDescr(trigdata->tg_relation), "product_id"),
							  &isnull);
	values[1] = CStringGetTextDatum(type);
	values[2] = wr_text_or_null(new_value(trigdata, "tag"), &nulls[2]);
	SPI_connect();
	wr_execute(&statements, ATTACH_LINK_PRODUCT, values, nulls);
	SPI_finish();
}
