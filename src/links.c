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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "attach.h"
#include "catalog.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "links.h"
#include "message.h"
#include "spi.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

typedef enum WrLinksStatement
{
	LINKS_PRODUCT_IDS,
	LINKS_WORKFLOW_IDS,
	LINKS_PRODUCT_TAGS
} WrLinksStatement;

static char *attached_product_ids(const char *schema);
static char *attached_workflow_ids(const char *schema);
static char *attached_product_tags(const char *schema);

static const WrStatement links_sql[] = {
	/* the other side of the links, for check_type_unchanged() */
	[LINKS_PRODUCT_IDS] = {
		.sql = "SELECT pg_catalog.array_agg(p.product_id ORDER BY p.product_id)::pg_catalog.text"
		" FROM workflow_registry.products AS p"
		" WHERE p.product_type OPERATOR(pg_catalog.=) $1",
		.attached = attached_product_ids,
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
		.sql = "SELECT pg_catalog.string_agg(DISTINCT p.tag::pg_catalog.text, ', '"
		" ORDER BY p.tag::pg_catalog.text)"
		" FROM workflow_registry.products AS p"
		" WHERE p.product_type OPERATOR(pg_catalog.=) $1",
		.attached = attached_product_tags,
		.nargs = 1, .argtypes = {TEXTOID}
	},
};

static WrStatements statements = WR_STATEMENTS(links_sql);

/* The same, for a registry attached to orchestrator-core's tables. */
static char *
attached_product_ids(const char *schema)
{
	return psprintf("SELECT pg_catalog.array_agg(p.product_id ORDER BY p.product_id)::pg_catalog.text"
					" FROM %s AS p WHERE p.product_type OPERATOR(pg_catalog.=) $1",
					wr_attached_table(schema, "products"));
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

static char *
attached_product_tags(const char *schema)
{
	return psprintf("SELECT pg_catalog.string_agg(DISTINCT p.tag::pg_catalog.text, ', '"
					" ORDER BY p.tag::pg_catalog.text)"
					" FROM %s AS p WHERE p.product_type OPERATOR(pg_catalog.=) $1",
					wr_attached_table(schema, "products"));
}

/*
 * Under REPEATABLE READ and SERIALIZABLE our statements read the snapshot
 * the transaction took before it got the product-type lock, so rows that a
 * holder of the conflicting lock committed since are invisible to them and
 * would be left unlinked.  Compare the other side of the links (products
 * for a workflow registration, workflows for a product change) under the
 * transaction snapshot and the latest one, and report a serialization
 * failure if they differ, as core does for a concurrent update.
 */
static void
check_type_unchanged(const char *product_type, bool products)
{
	WrLinksStatement which = products ? LINKS_PRODUCT_IDS : LINKS_WORKFLOW_IDS;
	Datum		values[1];
	SPIPlanPtr	plan;
	WrUserContext saved;
	char	   *seen;
	char	   *latest;

	values[0] = CStringGetTextDatum(product_type);
	SPI_connect();
	plan = wr_kept_plan(&statements, which, WR_API_1_0);
	wr_enter_registry_owner(&statements, which, &saved);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed");
	seen = wr_result_text(1);
	if (SPI_execute_snapshot(plan, values, NULL, GetLatestSnapshot(),
							 InvalidSnapshot, true, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_snapshot failed");
	wr_leave_registry_owner(&saved);
	latest = wr_result_text(1);

	if ((seen == NULL) != (latest == NULL) ||
		(seen != NULL && strcmp(seen, latest) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to concurrent registration for product type \"%s\"",
						wr_clip(product_type)),
				 errdetail("Another transaction changed the %s of that type after this transaction took its snapshot.",
						   products ? "products" : "workflows"),
				 errhint("Retry the transaction.")));
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
	uint32		hash = hash_bytes((const unsigned char *) product_type,
								  strlen(product_type));

	LockDatabaseObject(wr_products_relid(), (Oid) hash, 0, mode);
	if (IsolationUsesXactSnapshot())
		check_type_unchanged(product_type, mode == ShareLock);
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
