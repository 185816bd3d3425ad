/*-------------------------------------------------------------------------
 *
 * links.c
 *	  The lock that keeps the links complete, and the error of a workflow
 *	  that would be linked to no product.
 *
 * Workflows are linked to products by product_type (links.h), whichever
 * is registered first.  To keep the links complete when a workflow and a
 * product of the same type are registered concurrently, registrations take
 * a transaction lock on the product type: workflows in share mode (so they
 * do not block each other), products in exclusive mode.  The lock is an
 * object lock whose class is workflow_registry.products and whose object
 * id is a hash of the product type, so pg_locks says what it is for.
 *
 * Lock order.  Every path that writes takes its locks in one order, so no
 * two of them can wait for each other in a circle:
 *
 *	 1. the ledger lock (migrations, reverts, imports: ledger.c);
 *	 2. the product-type locks of everything the call will write, each in
 *		the strongest mode it needs (ExclusiveLock to add or remove
 *		products of the type, ShareLock to add, remove or change workflows
 *		of it), taken together in ascending order of their object id (the
 *		hash), by wr_lock_product_types() when there are several;
 *	 2b. the lock of the default workflows (1.8), which are linked to the
 *		products of every type: ShareLock to add, remove or change default
 *		workflows, RowExclusiveLock to add or remove products of any type,
 *		after the product-type locks (wr_lock_default_workflows());
 *	 3. only then row locks: the rows read FOR KEY SHARE or FOR UPDATE, the
 *		rows written, and those the foreign-key checks lock.
 *
 * A delete by name cannot know the product type before it reads the row,
 * so it reads the type without locking the row, locks the type, and then
 * deletes the row only if it still has that type; if a concurrent
 * transaction changed it meanwhile, it lets go of the lock it took and
 * starts over (registry.c).  Without the type lock, a create_product of
 * the type would link the new product to the row being deleted, wait for
 * it and fail with core's foreign-key error, and a delete_product holding
 * the type lock and a delete_workflow holding the row could deadlock.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "links.h"
#include "message.h"
#include "spi.h"
#include "storage/lmgr.h"
#include "tables.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

typedef enum WrLinksStatement
{
	LINKS_PRODUCT_IDS,
	LINKS_WORKFLOW_IDS,
	LINKS_PRODUCT_TAGS,
	LINKS_ALL_PRODUCT_IDS,
	LINKS_DEFAULT_WORKFLOW_IDS
} WrLinksStatement;

static char *product_ids(const WrTables *t);
static char *attached_workflow_ids(const char *schema);
static char *product_tags(const WrTables *t);
static char *all_product_ids(const WrTables *t);
static char *build_default_workflow_ids(WrApiVersion api);
static char *attached_default_workflow_ids(const char *schema);

static const WrStatement links_sql[] = {
	/* the other side of the links, for check_unchanged() */
	[LINKS_PRODUCT_IDS] = {
		.tables = product_ids,
		.nargs = 1, .argtypes = {TEXTOID}, .read_only = true
	},
	[LINKS_WORKFLOW_IDS] = {
		.sql = "SELECT pg_catalog.array_agg(w.workflow_id ORDER BY w.workflow_id)::pg_catalog.text"
		" FROM workflow_registry.workflows AS w"
		" WHERE w.product_type OPERATOR(pg_catalog.=) $1",
		.attached = attached_workflow_ids,
		.nargs = 1, .argtypes = {TEXTOID}, .read_only = true
	},
	/* "GROUP, USER_INT": the tags of a product type, for an error detail */
	[LINKS_PRODUCT_TAGS] = {
		.tables = product_tags,
		.nargs = 1, .argtypes = {TEXTOID}
	},
	/* the two sides of the default workflows' links, for check_unchanged() */
	[LINKS_ALL_PRODUCT_IDS] = {
		.tables = all_product_ids,
		.read_only = true
	},
	[LINKS_DEFAULT_WORKFLOW_IDS] = {
		.build = build_default_workflow_ids,
		.attached = attached_default_workflow_ids,
		.read_only = true
	},
};

static WrStatements statements = WR_STATEMENTS(links_sql);

static char *
product_ids(const WrTables *t)
{
	return psprintf("SELECT pg_catalog.array_agg(p.product_id ORDER BY p.product_id)::pg_catalog.text"
					" FROM %s AS p WHERE p.product_type OPERATOR(pg_catalog.=) $1",
					t->products);
}

static char *
product_tags(const WrTables *t)
{
	return psprintf("SELECT pg_catalog.string_agg(DISTINCT p.tag::pg_catalog.text, ', '"
					" ORDER BY p.tag::pg_catalog.text)"
					" FROM %s AS p WHERE p.product_type OPERATOR(pg_catalog.=) $1",
					t->products);
}

static char *
all_product_ids(const WrTables *t)
{
	return psprintf("SELECT pg_catalog.array_agg(p.product_id ORDER BY p.product_id)::pg_catalog.text"
					" FROM %s AS p", t->products);
}

static char *
attached_workflow_ids(const char *schema)
{
	return psprintf("SELECT pg_catalog.array_agg(m.workflow_id ORDER BY m.workflow_id)::pg_catalog.text"
					" FROM workflow_registry.attached_workflows AS m"
					" JOIN %s AS w ON w.workflow_id OPERATOR(pg_catalog.=) m.workflow_id"
					" WHERE m.product_type OPERATOR(pg_catalog.=) $1 AND w.deleted_at IS NULL",
					wr_attached_table(schema, "workflows"));
}

/* Before 1.8 there are no default workflows. */
static char *
build_default_workflow_ids(WrApiVersion api)
{
	if (api < WR_API_1_8)
		return pstrdup("SELECT NULL::pg_catalog.text");
	return pstrdup("SELECT pg_catalog.array_agg(w.workflow_id ORDER BY w.workflow_id)::pg_catalog.text"
				   " FROM workflow_registry.workflows AS w WHERE w.is_default");
}

static char *
attached_default_workflow_ids(const char *schema)
{
	return psprintf("SELECT pg_catalog.array_agg(m.workflow_id ORDER BY m.workflow_id)::pg_catalog.text"
					" FROM workflow_registry.attached_workflows AS m"
					" JOIN %s AS w ON w.workflow_id OPERATOR(pg_catalog.=) m.workflow_id"
					" WHERE m.is_default AND w.deleted_at IS NULL",
					wr_attached_table(schema, "workflows"));
}

/* The object id of a product type's lock. */
static uint32
type_hash(const char *product_type)
{
	return hash_bytes((const unsigned char *) product_type,
					  strlen(product_type));
}

/*
 * Under REPEATABLE READ and SERIALIZABLE our statements read the snapshot
 * the transaction took before it got the product-type lock, so rows that a
 * holder of the conflicting lock committed since are invisible to them and
 * would be left unlinked.  Compare the other side of the links (products
 * for a workflow registration, workflows for a product change) under the
 * transaction snapshot and the latest one, and report a serialization
 * failure if they differ, as core does for a concurrent update.  "which"
 * reads that side, of product_type $1 unless it is NULL (the default
 * workflows' lock).
 */
static void
check_unchanged(WrLinksStatement which, const char *product_type,
				WrApiVersion api)
{
	Datum		values[1];
	SPIPlanPtr	plan;
	WrUserContext saved;
	char	   *seen;
	char	   *latest;
	bool		products = which == LINKS_PRODUCT_IDS ||
		which == LINKS_ALL_PRODUCT_IDS;

	if (product_type != NULL)
		values[0] = CStringGetTextDatum(product_type);
	SPI_connect();
	plan = wr_kept_plan(&statements, which, api);
	wr_enter_registry_owner(&statements, which, &saved);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed");
	seen = wr_result_text(1);
	if (SPI_execute_snapshot(plan, values, NULL, GetLatestSnapshot(),
							 InvalidSnapshot, true, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_snapshot failed");
	wr_leave_owner(&saved);
	latest = wr_result_text(1);

	if ((seen == NULL) != (latest == NULL) ||
		(seen != NULL && strcmp(seen, latest) != 0))
	{
		if (product_type == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent registration of default workflows or products"),
					 errdetail("Another transaction changed the %s after this transaction took its snapshot.",
							   products ? "products" : "default workflows"),
					 errhint("Retry the transaction.")));
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to concurrent registration for product type \"%s\"",
						wr_clip(product_type)),
				 errdetail("Another transaction changed the %s of that type after this transaction took its snapshot.",
						   products ? "products" : "workflows"),
				 errhint("Retry the transaction.")));
	}
	SPI_finish();
}

/*
 * Take the transaction lock on a product type (see the file header):
 * ShareLock to register workflows of the type, ExclusiveLock to add or
 * remove products of it.
 */
void
wr_lock_product_type(const char *product_type, LOCKMODE mode)
{
	LockDatabaseObject(wr_products_relid(), (Oid) type_hash(product_type), 0,
					   mode);
	if (IsolationUsesXactSnapshot())
		check_unchanged(mode == ShareLock ? LINKS_PRODUCT_IDS : LINKS_WORKFLOW_IDS,
						product_type, WR_API_1_0);
}

/*
 * Take the lock of the default workflows (links.h).  Its object id is 0,
 * a hash like any product type's, so it has a sub-id of its own.  Under
 * REPEATABLE READ, as for a product type, a registration's other side of
 * the links must not have changed since the snapshot: all products for a
 * default workflow, the default workflows for a product.
 */
void
wr_lock_default_workflows(LOCKMODE mode, bool registering, WrApiVersion api)
{
	LockDatabaseObject(wr_products_relid(), 0, 1, mode);
	if (registering && IsolationUsesXactSnapshot())
	{
		if (mode != RowExclusiveLock)
			check_unchanged(LINKS_ALL_PRODUCT_IDS, NULL, api);
		if (mode != ShareLock)
			check_unchanged(LINKS_DEFAULT_WORKFLOW_IDS, NULL, api);
	}
}

/*
 * The mode of the default workflows' lock for a call that changes default
 * workflows, products, or both: taken once, in the one mode that covers
 * both (ShareRowExclusiveLock conflicts with each and with itself), never
 * one after the other, which would be a lock upgrade that two such calls
 * could deadlock on.  NoLock for neither.
 */
LOCKMODE
wr_default_lock_mode(bool defaults, bool products)
{
	if (defaults && products)
		return ShareRowExclusiveLock;
	return defaults ? ShareLock : products ? RowExclusiveLock : NoLock;
}

/* As wr_unlock_product_type, for wr_lock_default_workflows(). */
void
wr_unlock_default_workflows(LOCKMODE mode)
{
	UnlockDatabaseObject(wr_products_relid(), 0, 1, mode);
}

/*
 * Let go of one wr_lock_product_type() of this transaction, taken for
 * nothing: nothing may have been written under it.  A lock the
 * transaction also took before stays held.
 */
void
wr_unlock_product_type(const char *product_type, LOCKMODE mode)
{
	UnlockDatabaseObject(wr_products_relid(), (Oid) type_hash(product_type), 0,
						 mode);
}

static int
compare_type_locks(const void *a, const void *b)
{
	const WrTypeLock *x = a;
	const WrTypeLock *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->product_type, y->product_type);
}

/*
 * Take the locks of several product types in the order of the file header:
 * ascending object id (the hash, so that two names with the same hash,
 * which share a lock, sort together), each lock once, in the strongest
 * mode any entry asks for it.  Sorts the entries, and sets their hash.
 */
void
wr_lock_product_types(WrTypeLock *locks, int n)
{
	for (int i = 0; i < n; i++)
		locks[i].hash = type_hash(locks[i].product_type);
	qsort(locks, n, sizeof(WrTypeLock), compare_type_locks);
	for (int i = 0; i < n;)
	{
		int			end = i;
		LOCKMODE	mode = NoLock;

		for (; end < n && locks[end].hash == locks[i].hash; end++)
			mode = Max(mode, locks[end].mode);
		for (; i < end; i++)
		{
			if (i == 0 || strcmp(locks[i].product_type, locks[i - 1].product_type) != 0)
				wr_lock_product_type(locks[i].product_type, mode);
		}
	}
}

/*
 * Report that the workflow "name" would be linked to no product: none has
 * its product type, or (type_has_products) none of that type has its tag.
 * The caller is connected to SPI.
 */
void
wr_report_unlinked(const char *name, const char *product_type,
				   const char *product_tag, bool type_has_products)
{
	Datum		values[1];

	if (!type_has_products)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("no product has product_type \"%s\"",
						wr_clip(product_type)),
				 errdetail("Workflow \"%s\" would be linked to no product.", name),
				 errhint("Register a product of that type first with workflow_registry.create_product(), or correct \"product_type\".")));

	values[0] = CStringGetTextDatum(product_type);
	wr_execute(&statements, LINKS_PRODUCT_TAGS, values, NULL);
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("no product of product_type \"%s\" has tag \"%s\"",
					product_type, product_tag),
			 errdetail("The products of that type have the tags %s.",
					   wr_result_text(1)),
			 errhint("Correct \"product_tag\", or leave it unset to link every product of the type.")));
	pg_unreachable();
}
