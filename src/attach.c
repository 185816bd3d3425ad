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
 * owner, as whom the functions run: that role could add a trigger to them,
 * or put a view in their place, and have it run as the owner.  So every
 * statement on an attached table runs as the tables' owner, in a
 * security-restricted operation (spi.c), and attach grants that role what
 * those statements need of workflow_registry.attached_workflows.  Only the
 * extension's owner may attach or detach, since it decides where every
 * writer of the registry writes.
 *
 * Whether the database is attached is read from workflow_registry.attachment
 * and cached per backend; attach and detach send a relcache invalidation
 * for that table, which resets the cache in every backend when they commit
 * (and in their own when they roll back).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "attach.h"
#include "catalog.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "import.h"
#include "ledger.h"
#include "lib/stringinfo.h"
#include "links.h"
#include "message.h"
#include "miscadmin.h"
#include "spi.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

/* The names attach gives its guards on orchestrator-core's tables. */
#define TARGET_CHECK "workflow_registry_target"
#define LINK_TRIGGER "workflow_registry_link_new_product"

typedef enum WrAttachStatement
{
	ATTACH_SCHEMA,
	ATTACH_OWN_ROWS,
	ATTACH_INSERT,
	ATTACH_DELETE,
	ATTACH_NUMBER,
	ATTACH_APPLIED_VERSION,
	ATTACH_LINK_PRODUCT
} WrAttachStatement;

static char *build_link_product(const char *schema);
static char *unusable_attachment(const char *schema, Oid owner);

static const WrStatement attach_sql[] = {
	[ATTACH_SCHEMA] = {
		.sql = "SELECT a.schema_name::pg_catalog.text, a.tables_owner::pg_catalog.oid"
		" FROM workflow_registry.attachment AS a",
		.read_only = true
	},
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
	[ATTACH_DELETE] = {
		.sql = "WITH a AS (DELETE FROM workflow_registry.attachment RETURNING 1)"
		" DELETE FROM workflow_registry.attached_workflows"
	},
	/* the number the next attachment of a schema gets: $1 "attach-<schema>-" */
	[ATTACH_NUMBER] = {
		.sql = "SELECT pg_catalog.count(*) OPERATOR(pg_catalog.+) 1"
		" FROM workflow_registry.migrations"
		" WHERE pg_catalog.starts_with(version, $1)",
		.nargs = 1, .argtypes = {TEXTOID}, .read_only = true
	},
	[ATTACH_APPLIED_VERSION] = {
		.sql = "SELECT m.version FROM workflow_registry.migrations AS m"
		" WHERE m.kind OPERATOR(pg_catalog.=) 'data' AND m.reverted_at IS NULL"
		" AND pg_catalog.starts_with(m.version, 'attach-')"
		" ORDER BY m.applied_at DESC LIMIT 1",
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

/* The cached attachment (see the file header). */
static bool attachment_valid = false;
static char *attachment_schema = NULL;
static Oid	attachment_owner = InvalidOid;
static char *attachment_problem = NULL;	/* why it cannot be used, or NULL */
static Oid	attachment_relid = InvalidOid;
static Oid	watched_relids[2];	/* attached_workflows, core's workflows */
static uint64 attachment_generation = 1;
static bool callback_registered = false;

static void
attachment_changed(Datum arg, Oid relid)
{
	/*
	 * The attachment's row, and what unusable_attachment() found: the
	 * grants on attached_workflows and the owner of core's workflows.
	 */
	if (!OidIsValid(relid) || relid == attachment_relid ||
		relid == watched_relids[0] || relid == watched_relids[1])
	{
		attachment_valid = false;
		attachment_generation++;
	}
}

const char *
wr_attached_schema(void)
{
	bool		isnull;

	if (attachment_valid)
		return attachment_schema;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(attachment_changed, (Datum) 0);
		callback_registered = true;
	}
	/* valid before the lookup, so that an invalidation during it counts */
	attachment_valid = true;
	attachment_relid = wr_attachment_relid();
	if (attachment_schema)
		pfree(attachment_schema);
	attachment_schema = NULL;
	if (attachment_problem)
		pfree(attachment_problem);
	attachment_problem = NULL;

	/*
	 * Before 1.7 there is no table to watch, and the invalidation of the
	 * one an ALTER EXTENSION UPDATE creates would not be recognised: look
	 * again next time.  (Kept, "not attached" outlived an update and an
	 * attach in the same session, whose writers then wrote the
	 * extension's own tables.)
	 */
	if (!OidIsValid(attachment_relid))
	{
		attachment_valid = false;
		return NULL;
	}

	SPI_connect();
	wr_execute(&statements, ATTACH_SCHEMA, NULL, NULL);
	if (SPI_processed == 1)
	{
		attachment_schema = MemoryContextStrdup(TopMemoryContext,
												wr_result_text(1));
		attachment_owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc,
														  2, &isnull));
	}
	SPI_finish();
	if (attachment_schema)
		attachment_problem = unusable_attachment(attachment_schema,
												 attachment_owner);
	return attachment_schema;
}

static AclResult
namespace_usage(Oid nspid, Oid roleid)
{
#if PG_VERSION_NUM >= 160000
	return object_aclcheck(NamespaceRelationId, nspid, roleid, ACL_USAGE);
#else
	return pg_namespace_aclcheck(nspid, roleid, ACL_USAGE);
#endif
}

/*
 * Why the statements cannot run as the recorded owner of the attached
 * tables, or NULL if they can: the tables belong to another role now, or
 * that role lost what attach granted it.  Both happen after a restore with
 * pg_restore --no-owner or --no-privileges, which keeps the attachment's
 * rows but not the owner and grants they speak of; every statement would
 * then fail with a permission error on one table or another.  The result
 * is in TopMemoryContext.
 */
static char *
unusable_attachment(const char *schema, Oid owner)
{
	Oid			nspid = get_namespace_oid(schema, true);
	Oid			relid = OidIsValid(nspid) ?
		get_relname_relid("workflows", nspid) : InvalidOid;
	Oid			ours = get_namespace_oid("workflow_registry", false);
	char	   *owner_name = GetUserNameFromId(owner, true);
	char	   *problem = NULL;
	HeapTuple	tup;

	watched_relids[0] = get_relname_relid("attached_workflows", ours);
	watched_relids[1] = relid;
	if (!OidIsValid(relid))
		problem = psprintf("Schema \"%s\" has no table \"workflows\" any more.", schema);
	else if (owner_name == NULL)
		problem = psprintf("The role that owned orchestrator-core's tables (oid %u) does not exist any more.", owner);
	else if ((tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid))) != NULL)
	{
		Oid			relowner = ((Form_pg_class) GETSTRUCT(tup))->relowner;

		ReleaseSysCache(tup);
		if (relowner != owner)
			problem = psprintf("Table \"%s.workflows\" belongs to role \"%s\", but the attachment runs its statements as role \"%s\".",
							   schema, GetUserNameFromId(relowner, false), owner_name);
		else if (!superuser_arg(owner) &&
				 (namespace_usage(ours, owner) != ACLCHECK_OK ||
				  pg_class_aclcheck(watched_relids[0], owner,
									ACL_SELECT | ACL_INSERT | ACL_UPDATE | ACL_DELETE) != ACLCHECK_OK))
			problem = psprintf("Role \"%s\", which owns orchestrator-core's tables, has lost the privileges attach gave it on schema workflow_registry and its table attached_workflows.",
							   owner_name);
	}
	return problem ? MemoryContextStrdup(TopMemoryContext, problem) : NULL;
}

/*
 * Raise the error of an attachment whose statements cannot run (see
 * unusable_attachment), before they would fail on a table's permissions.
 */
void
wr_check_attachment_usable(void)
{
	if (wr_attached_schema() == NULL || attachment_problem == NULL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("the attachment to orchestrator-core's tables in schema \"%s\" cannot be used",
					attachment_schema),
			 errdetail_internal("%s", attachment_problem),
			 errhint("As the owner of the extension, run workflow_registry.detach_orchestrator_core() and then attach_orchestrator_core() again; a restore keeps an attachment only with its owners and privileges.")));
}

/* The owner of the attached tables; only valid while attached. */
Oid
wr_attached_owner(void)
{
	(void) wr_attached_schema();
	return attachment_owner;
}

uint64
wr_attachment_generation(void)
{
	return attachment_generation;
}

/* Tell every backend, at commit, that the attachment changed. */
static void
attachment_changes(void)
{
	CacheInvalidateRelcacheByRelid(wr_attachment_relid());
}

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

/*
 * A statement on the attached table wrote no row where one was due: if
 * BEFORE row triggers for one of the events (TRIGGER_TYPE_INSERT, ...) are
 * on the table, one of them returned NULL, and that is the error, naming
 * the table and those triggers, rather than a retry that would never
 * succeed.  Returns if there are none (a concurrent change, which the
 * caller retries).  "what" is the write ("insert", "delete", "restore") of
 * the row of the item kind and name.
 */
void
wr_check_not_suppressed(const char *table, int16 events, const char *what,
						const char *kind, const char *name)
{
	const char *schema = wr_attached_schema();
	Oid			relid;
	Relation	rel;
	StringInfoData triggers;

	if (schema == NULL)
		return;
	relid = get_relname_relid(table, get_namespace_oid(schema, false));
	if (!OidIsValid(relid))
		return;
	initStringInfo(&triggers);
	rel = relation_open(relid, AccessShareLock);
	for (int i = 0; rel->trigdesc != NULL && i < rel->trigdesc->numtriggers; i++)
	{
		const Trigger *t = &rel->trigdesc->triggers[i];

		if (TRIGGER_FOR_ROW(t->tgtype) && TRIGGER_FOR_BEFORE(t->tgtype) &&
			(t->tgtype & events) != 0 && t->tgenabled != TRIGGER_DISABLED)
			appendStringInfo(&triggers, "%s%s", triggers.len > 0 ? ", " : "",
							 quote_identifier(t->tgname));
	}
	relation_close(rel, AccessShareLock);
	if (triggers.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
				 errmsg("a trigger on table %s suppressed the %s of %s \"%s\"",
						wr_attached_table(schema, table), what, kind,
						wr_clip(name)),
				 errdetail("One of the table's BEFORE row triggers (%s) returned NULL, so the row was not written; the registry writes a row whole or not at all.",
						   triggers.data),
				 errhint("Have the trigger return the row for the registry's writes, or disable it.")));
}

/* schema.table, quoted, for the statements built for an attachment */
const char *
wr_attached_table(const char *schema, const char *table)
{
	return quote_qualified_identifier(schema, table);
}

#define qualified wr_attached_table

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
					qualified(schema, "products_workflows"),
					qualified(schema, "workflows"));
}

/*
 * Run a statement attach or detach builds from catalog names: on the
 * extension's own objects as the caller, or, given the owner of
 * orchestrator-core's tables in schema, as that owner (wr_become_owner):
 * every statement that touches those tables, planning included, runs as
 * their owner, whoever calls.
 */
static void
run_as(Oid owner, const char *schema, const char *sql, int nargs,
	   Oid *argtypes, Datum *values)
{
	WrUserContext saved = {.switched = false};
	int			ret;

	if (OidIsValid(owner))
		wr_become_owner(owner, schema, &saved);
	ret = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);
	wr_leave_registry_owner(&saved);
	if (ret < 0)
		elog(ERROR, "SPI_execute_with_args failed: %s",
			 SPI_result_code_string(ret));
}

static void
run(const char *sql)
{
	run_as(InvalidOid, NULL, sql, 0, NULL, NULL);
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
	const char *products = qualified(schema, "products");
	const char *links = qualified(schema, "products_workflows");
	const char *workflows = qualified(schema, "workflows");
	Oid			argtypes[1] = {TEXTARRAYOID};
	int64		bad_targets = 0;
	char	   *sql;

	sql = psprintf("WITH links AS ("
				   " SELECT pw.workflow_id, pg_catalog.count(*) AS nlinks,"
				   " pg_catalog.count(DISTINCT p.product_type) AS ntypes,"
				   " pg_catalog.min(p.product_type::pg_catalog.text) AS ptype,"
				   " pg_catalog.count(DISTINCT p.tag) AS ntags,"
				   " pg_catalog.min(p.tag::pg_catalog.text) AS ptag,"
				   " pg_catalog.array_agg(p.product_id ORDER BY p.product_id) AS linked"
				   " FROM %2$s AS pw JOIN %1$s AS p"
				   " ON p.product_id OPERATOR(pg_catalog.=) pw.product_id"
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
				   " w.name::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($1) AS is_default,"
				   " workflow_registry.valid_target(w.target) AS valid_target"
				   " FROM %3$s AS w"
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
				   " FROM c),"
				   " meta AS ("
				   " INSERT INTO workflow_registry.attached_workflows"
				   " (workflow_id, product_type, product_tag, is_default)"
				   " SELECT k.workflow_id, k.product_type, k.product_tag, k.is_default FROM k"
				   " WHERE k.action OPERATOR(pg_catalog.=) ANY ('{attach,default}'::pg_catalog.text[]))"
				   " SELECT CASE WHEN k.is_task AND k.product_type IS NULL THEN 'task' ELSE 'workflow' END,"
				   " k.name, k.action, k.reason, NOT k.valid_target FROM k"
				   " UNION ALL"
				   " SELECT 'product', p.name::pg_catalog.text, 'attach', NULL, false FROM %1$s AS p"
				   " ORDER BY 1, 2",
				   products, links, workflows);
	run_as(owner, schema, sql, 1, argtypes, &default_workflows);

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
 * The attachment as the n-th data migration "attach-<schema>-<n>" of the
 * ledger, whose undo detaches.  The caller holds the ledger lock.
 */
static void
record_attachment(const char *schema, TimestampTz started)
{
	Datum		pattern[1];
	char	   *version;
	StringInfoData steps;

	pattern[0] = CStringGetTextDatum(psprintf("attach-%s-", schema));
	wr_execute(&statements, ATTACH_NUMBER, pattern, NULL);
	version = psprintf("attach-%s-" INT64_FORMAT, schema, wr_result_int8(1));
	initStringInfo(&steps);
	appendStringInfoString(&steps, "[{\"attach_orchestrator_core\": {\"schema_name\": ");
	escape_json(&steps, schema);
	appendStringInfoString(&steps, "}}]");
	wr_record_migration(version,
						psprintf("Attached to orchestrator-core's tables in schema %s",
								 quote_identifier(schema)),
						construct_empty_array(TEXTOID),
						DirectFunctionCall1(jsonb_in, CStringGetDatum(steps.data)),
						list_make1(DatumGetPointer(DirectFunctionCall1(jsonb_in,
																	   CStringGetDatum("{\"op\": \"detach_orchestrator_core\"}")))),
						NIL, started);
}

/*
 * The guards on orchestrator-core's tables: a CHECK that every writer of
 * orchestrator-core satisfies (validated unless a row already breaks it),
 * and the trigger that links the products it inserts itself.
 */
static void
add_guards(const char *schema, Oid owner, bool validate)
{
	run_as(owner, schema,
		   psprintf("ALTER TABLE %s ADD CONSTRAINT " TARGET_CHECK
					" CHECK (workflow_registry.valid_target(target)) NOT VALID",
					qualified(schema, "workflows")), 0, NULL, NULL);
	if (validate)
		run_as(owner, schema,
			   psprintf("ALTER TABLE %s VALIDATE CONSTRAINT " TARGET_CHECK,
						qualified(schema, "workflows")), 0, NULL, NULL);
	run_as(owner, schema,
		   psprintf("CREATE TRIGGER " LINK_TRIGGER " AFTER INSERT ON %s"
					" FOR EACH ROW EXECUTE FUNCTION workflow_registry.link_new_product()",
					qualified(schema, "products")), 0, NULL, NULL);
}

/*
 * attach_orchestrator_core(schema, default_workflows): see the file
 * header.  Puts one row per workflow and product into out: kind, name,
 * action (attach, default, skip, leave) and the reason.
 */
void
wr_attach(const char *schema, ArrayType *default_workflows,
		  Tuplestorestate *out, TupleDesc outdesc)
{
	TimestampTz started = GetCurrentTimestamp();
	const char *attached = wr_attached_schema();
	static const char *const tables[] = {"products", "products_workflows", "workflows"};
	Oid			nspid;
	Oid			owner = InvalidOid;
	int64		bad_targets;
	Datum		values[4];

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

	SPI_connect();
	wr_lock_ledger();
	wr_execute(&statements, ATTACH_OWN_ROWS, NULL, NULL);
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

	/*
	 * What the statements run as that owner need of the extension's
	 * objects: attached_workflows, and the trigger function, which
	 * CREATE TRIGGER, run as that owner, may name only if it may execute
	 * it.  The function does nothing but on the attached products table.
	 */
	run(psprintf("GRANT USAGE ON SCHEMA workflow_registry TO %1$s;"
				 " GRANT SELECT, INSERT, UPDATE, DELETE ON workflow_registry.attached_workflows TO %1$s;"
				 " GRANT EXECUTE ON FUNCTION workflow_registry.link_new_product() TO %1$s",
				 quote_identifier(GetUserNameFromId(owner, false))));

	bad_targets = classify(schema, owner, PointerGetDatum(default_workflows),
						   out, outdesc);

	add_guards(schema, owner, bad_targets == 0);

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(schema));
	values[1] = PointerGetDatum(default_workflows);
	values[2] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetOuterUserId(), false)));
	values[3] = ObjectIdGetDatum(owner);
	wr_execute(&statements, ATTACH_INSERT, values, NULL);
	attachment_changes();

	record_attachment(schema, started);
	SPI_finish();
}

/* The owner of a relation that exists. */
static Oid
table_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Drop the guards attach added and what it recorded; orchestrator-core's
 * rows stay as they are.  The caller holds the ledger lock: this is the
 * undo of the attach migration.
 */
void
wr_drop_attachment(void)
{
	const char *schema = wr_attached_schema();
	Oid			owner = wr_attached_owner();
	char	   *owner_name = GetUserNameFromId(owner, true);
	Oid			nspid;

	if (schema == NULL)
		return;
	SPI_connect();
	if (owner_name != NULL && !superuser_arg(owner))
		run(psprintf("REVOKE INSERT, UPDATE, DELETE ON workflow_registry.attached_workflows FROM %1$s;"
					 " REVOKE EXECUTE ON FUNCTION workflow_registry.link_new_product() FROM %1$s",
					 quote_identifier(owner_name)));

	/*
	 * Each guard is dropped as the table's owner now, who may not be the
	 * one recorded: detach mends an attachment a restore without owners
	 * left unusable.
	 */
	nspid = get_namespace_oid(schema, true);
	if (OidIsValid(nspid))
	{
		Oid			workflows = get_relname_relid("workflows", nspid);
		Oid			products = get_relname_relid("products", nspid);

		if (OidIsValid(workflows))
			run_as(table_owner(workflows), schema,
				   psprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS " TARGET_CHECK,
							qualified(schema, "workflows")), 0, NULL, NULL);
		if (OidIsValid(products))
			run_as(table_owner(products), schema,
				   psprintf("DROP TRIGGER IF EXISTS " LINK_TRIGGER " ON %s",
							qualified(schema, "products")), 0, NULL, NULL);
	}
	wr_execute(&statements, ATTACH_DELETE, NULL, NULL);
	attachment_changes();
	SPI_finish();
}

/*
 * detach_orchestrator_core(): revert the attach migration, whose undo is
 * wr_drop_attachment().
 */
void
wr_detach(void)
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

	SPI_connect();
	wr_execute(&statements, ATTACH_APPLIED_VERSION, NULL, NULL);
	version = SPI_processed == 1 ? wr_result_text_copy(1) : NULL;
	SPI_finish();
	if (version != NULL)
		wr_revert_migration(version, WR_API_1_4);
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
wr_link_new_product(FunctionCallInfo fcinfo)
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
	wr_lock_default_workflows(RowExclusiveLock, true, WR_API_1_8);

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
