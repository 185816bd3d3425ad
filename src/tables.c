/*-------------------------------------------------------------------------
 *
 * tables.c
 *	  Where the registry's tables are, and as whom they are read and
 *	  written: the extension's own tables, or orchestrator-core's in the
 *	  attached schema (attach.c), read and written as their owner.
 *
 * This is the bottom of the house: every statement needs its answer, so it
 * depends on nothing of the project but the catalog and message helpers.
 *
 * Whether the database is attached is read from workflow_registry.attachment
 * and cached per backend; attach and detach send a relcache invalidation
 * for that table (wr_attachment_changed), which resets the cache in every
 * backend when they commit (and in their own when they roll back).  The
 * cache also watches what makes an attachment unusable: the grants on
 * attached_workflows and the owner of orchestrator-core's workflows.
 *
 * orchestrator-core's tables belong to its role, not to the extension's
 * owner, as whom the functions run: so every statement on them runs as
 * their owner (wr_become_owner), whoever calls.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "message.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "tables.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

static char *unusable_attachment(const char *schema, Oid owner);

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

/*
 * The schema recorded in the attachment table as the given snapshot sees
 * it (its owner in *owner), or NULL: in the caller's memory.
 */
static char *
read_attachment(Snapshot snapshot, Oid *owner)
{
	Relation	rel = table_open(attachment_relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, snapshot,
										  0, NULL);
	HeapTuple	tup = systable_getnext(scan);
	char	   *schema = NULL;
	bool		isnull;

	if (HeapTupleIsValid(tup))
	{
		Datum		name = heap_getattr(tup, SPI_fnumber(desc, "schema_name"),
										desc, &isnull);

		schema = pstrdup(NameStr(*DatumGetName(name)));
		*owner = DatumGetObjectId(heap_getattr(tup, SPI_fnumber(desc, "tables_owner"),
											   desc, &isnull));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return schema;
}

/*
 * The attachment, cached.  It is read with a fresh catalog snapshot, not
 * the caller's, so that a transaction whose snapshot predates an attach or
 * detach never caches what it no longer is (wr_check_attachment_snapshot
 * tells such a transaction apart), and marked valid only after a read
 * that no invalidation overtook (the recheck namespace.c makes of its
 * search path): an error during the read, or an attach committing
 * meanwhile, leaves it to be read again.
 */
const char *
wr_attached_schema(void)
{
	if (attachment_valid)
		return attachment_schema;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(attachment_changed, (Datum) 0);
		callback_registered = true;
	}

	for (;;)
	{
		uint64		generation = attachment_generation;
		char	   *schema;
		Oid			owner = InvalidOid;

		if (attachment_schema)
			pfree(attachment_schema);
		attachment_schema = NULL;
		if (attachment_problem)
			pfree(attachment_problem);
		attachment_problem = NULL;

		/*
		 * Before 1.7 there is no table to watch, and the invalidation of the
		 * one an ALTER EXTENSION UPDATE creates would not be recognised:
		 * look again next time rather than keep "not attached", which would
		 * outlive an update and an attach in the same session.
		 */
		attachment_relid = wr_attachment_relid();
		if (!OidIsValid(attachment_relid))
			return NULL;

		schema = read_attachment(NULL, &owner);
		if (schema)
		{
			attachment_schema = MemoryContextStrdup(TopMemoryContext, schema);
			attachment_owner = owner;
			attachment_problem = unusable_attachment(attachment_schema,
													 attachment_owner);
		}
		if (generation == attachment_generation)
			break;
	}
	attachment_valid = true;
	return attachment_schema;
}

/*
 * Under REPEATABLE READ or SERIALIZABLE a writer's statements read the
 * transaction's snapshot: one taken before an attach or detach committed
 * would read one registry and write another.  So the attachment as that
 * snapshot sees it must be the current one, or the transaction fails with
 * a serialization failure, as the product-type locks do (links.c).  The
 * caller holds the attachment lock.
 */
void
wr_check_attachment_snapshot(void)
{
	const char *current = wr_attached_schema();
	char	   *seen;
	Oid			owner;

	if (!IsolationUsesXactSnapshot() || !OidIsValid(attachment_relid))
		return;
	seen = read_attachment(GetTransactionSnapshot(), &owner);
	if ((seen == NULL) != (current == NULL) ||
		(seen != NULL && strcmp(seen, current) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to a concurrent attach or detach"),
				 errdetail("The registry was attached to or detached from orchestrator-core's tables after this transaction took its snapshot."),
				 errhint("Retry the transaction.")));
}

/*
 * The attachment lock, the first step of the lock order (links.c): every
 * writer takes it in AccessShareLock, so writers do not wait for each
 * other, and attach and detach in AccessExclusiveLock, so they wait for
 * every writer in flight and every writer waits for them.  An object lock
 * of the same class as the product-type locks, with object id 0 and sub-id
 * 2.  Taking it accepts the invalidations of an attach or detach that has
 * committed, so the cache is read afresh after it.
 */
void
wr_lock_attachment(LOCKMODE mode)
{
	LockDatabaseObject(wr_products_relid(), 0, 2, mode);
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
void
wr_attachment_changed(void)
{
	CacheInvalidateRelcacheByRelid(wr_attachment_relid());
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

/*
 * Whether a table of orchestrator-core's that attaching does not need
 * (processes, subscriptions) exists in the attached schema.
 */
bool
wr_attached_table_exists(const char *schema, const char *table)
{
	Oid			nspid = get_namespace_oid(schema, true);

	return OidIsValid(nspid) && OidIsValid(get_relname_relid(table, nspid));
}

/*
 * The statement that deletes the attached workflow w of condition "match"
 * (on w and its attached_workflows row m): one that processes refer to
 * (orchestrator-core's foreign key has no ON DELETE) is soft-deleted
 * instead, as orchestrator-core's own model does, so the history stays:
 * deleted_at is set and the links go.  Its attached_workflows row goes
 * either way.  "entry" adds columns to the row found, built from it before
 * either happens, and "result" is what the statement returns of it (from
 * t), if the row was deleted or soft-deleted: a trigger of
 * orchestrator-core's role may have suppressed either.
 */
char *
wr_attached_delete_workflow(const char *schema, const char *match,
							const char *entry, const char *result)
{
	const char *ran = wr_attached_table_exists(schema, "processes") ?
		psprintf("EXISTS (SELECT FROM %s AS pr"
				 " WHERE pr.workflow_id OPERATOR(pg_catalog.=) w.workflow_id)",
				 wr_attached_table(schema, "processes")) :
		"false";

	return psprintf("WITH t AS ("
					" SELECT w.workflow_id, %3$s AS ran%4$s FROM %1$s AS w"
					" LEFT JOIN workflow_registry.attached_workflows AS m"
					" ON m.workflow_id OPERATOR(pg_catalog.=) w.workflow_id"
					" WHERE %6$s AND w.deleted_at IS NULL"
					" FOR UPDATE OF w),"
					" soft AS ("
					" UPDATE %1$s AS w SET deleted_at = pg_catalog.now() FROM t"
					" WHERE w.workflow_id OPERATOR(pg_catalog.=) t.workflow_id AND t.ran"
					" RETURNING w.workflow_id),"
					" unlinked AS ("
					" DELETE FROM %2$s AS pw USING soft"
					" WHERE pw.workflow_id OPERATOR(pg_catalog.=) soft.workflow_id),"
					" hard AS ("
					" DELETE FROM %1$s AS w USING t"
					" WHERE w.workflow_id OPERATOR(pg_catalog.=) t.workflow_id AND NOT t.ran"
					" RETURNING w.workflow_id),"
					" meta AS ("
					" DELETE FROM workflow_registry.attached_workflows AS m USING t"
					" WHERE m.workflow_id OPERATOR(pg_catalog.=) t.workflow_id)"
					" SELECT %5$s FROM t"
					" WHERE EXISTS (SELECT FROM soft UNION ALL SELECT FROM hard)",
					wr_attached_table(schema, "workflows"),
					wr_attached_table(schema, "products_workflows"),
					ran, entry, result, match);
}

/*
 * The statement that locks the attached workflow of condition "match", as
 * wr_attached_delete_workflow finds it, before that statement runs: in its
 * own statement, so that the delete's new snapshot sees every process that
 * referred to the row before the lock, and no process can refer to it after
 * (orchestrator-core's foreign key check takes a key-share lock, which FOR
 * UPDATE excludes).  Otherwise a process inserted meanwhile makes a hard
 * delete of a workflow that "never ran" fail on that foreign key.
 */
char *
wr_attached_lock_workflow(const char *schema, const char *match)
{
	return psprintf("SELECT 1 FROM %s AS w"
					" LEFT JOIN workflow_registry.attached_workflows AS m"
					" ON m.workflow_id OPERATOR(pg_catalog.=) w.workflow_id"
					" WHERE %s AND w.deleted_at IS NULL"
					" FOR UPDATE OF w",
					wr_attached_table(schema, "workflows"), match);
}

WrTables
wr_registry_tables(const char *schema)
{
	WrTables	t;

	if (schema == NULL)
		schema = "workflow_registry";
	t.workflows = wr_attached_table(schema, "workflows");
	t.products = wr_attached_table(schema, "products");
	t.links = wr_attached_table(schema, "products_workflows");
	return t;
}

/*
 * The search_path of the statements on the tables in "schema": built once
 * per schema, as every attached statement sets it.
 */
static const char *
owner_search_path(const char *schema)
{
	static char *for_schema = NULL;
	static char *path = NULL;

	if (for_schema == NULL || strcmp(for_schema, schema) != 0)
	{
		char	   *new_path = MemoryContextStrdup(TopMemoryContext,
												   psprintf("%s, pg_catalog, pg_temp",
															quote_identifier(schema)));
		char	   *new_schema = MemoryContextStrdup(TopMemoryContext, schema);

		if (for_schema)
		{
			pfree(for_schema);
			pfree(path);
		}
		for_schema = new_schema;
		path = new_path;
	}
	return path;
}

/*
 * Become the owner of orchestrator-core's tables in "schema" until
 * wr_leave_owner, in a security-restricted operation, as
 * ri_triggers.c becomes a table's owner and CREATE INDEX, VACUUM and
 * REFRESH MATERIALIZED VIEW do: whatever that role attached to its tables
 * (a trigger, a rule, an index predicate or statistics expression the
 * planner folds, a column default, a policy, a view in a table's place)
 * then runs as that role, never as the extension's owner, and cannot
 * change the session.  Its code runs with the search_path orchestrator-core
 * itself runs with, the schema and then pg_catalog, and the caller's
 * temporary schema last, never ahead of them: an unqualified name in a
 * trigger of that role's finds that role's objects, not look-alikes that the
 * calling writer made in pg_temp.  An error restores the user and the
 * setting with the (sub)transaction's abort.
 */
void
wr_become_owner(Oid owner, const char *schema, WrUserContext *saved)
{
	saved->switched = true;
	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	saved->guc_nestlevel = NewGUCNestLevel();
	SetUserIdAndSecContext(owner,
						   saved->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	(void) set_config_option("search_path", owner_search_path(schema),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

void
wr_leave_owner(const WrUserContext *saved)
{
	if (!saved->switched)
		return;
	AtEOXact_GUC(true, saved->guc_nestlevel);
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}
