/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  Write validated definitions into the registry tables through SPI.
 *
 * Every statement is prepared once per backend and API version, kept, and
 * run with parameters.  A registration is one statement in the common
 * cases: it reads the existing row, inserts the new one and its product
 * links, and returns what the caller needs to decide between "created",
 * "already there, identical" and an error.
 *
 * Workflows are linked to products by product_type, whichever is
 * registered first.  To keep the links complete when a workflow and a
 * product of the same type are registered concurrently, registrations take
 * a transaction lock on the product type: workflows in share mode (so they
 * do not block each other), products in exclusive mode.  The lock is an
 * object lock whose class is workflow_registry.products and whose object
 * id is a hash of the product type, so pg_locks says what it is for.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "message.h"
#include "miscadmin.h"
#include "notify.h"
#include "registry.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

typedef enum WrPlan
{
	PLAN_CREATE_WORKFLOW,
	PLAN_FIND_WORKFLOW,
	PLAN_DELETE_WORKFLOW,
	PLAN_PRODUCT_TAGS,
	PLAN_CREATE_PRODUCT,
	PLAN_FIND_PRODUCT,
	PLAN_PRODUCT_TYPE,
	PLAN_DELETE_PRODUCT,
	PLAN_INSERT_WORKFLOW
} WrPlan;

#define WR_NUM_PLANS (PLAN_INSERT_WORKFLOW + 1)

/* Kept plans, prepared on first use. */
static SPIPlanPtr plans[WR_NUM_API_VERSIONS][WR_NUM_PLANS];

/* Parameters of the workflow statements: name, target, description,
 * product_type, is_task, product_tag. */
static Oid	workflow_argtypes[] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID,
BOOLOID, TEXTOID};

/* Parameters of the product statements: name, description, product_type,
 * tag, status. */
static Oid	product_argtypes[] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID,
TEXTOID};

/* A key of a definition, as registered and as given; NULL is "not set". */
typedef struct WrField
{
	const char *key;
	char	   *registered;
	const char *given;
} WrField;

static SPIPlanPtr get_plan(WrPlan which, WrApiVersion api);
static char *plan_query(WrPlan which, WrApiVersion api, int *nargs,
						Oid **argtypes);
static bool registered_product_matches(const ProductDef *def,
									   HeapTuple tup, TupleDesc desc,
									   int first, pg_uuid_t *id);
static char *first_difference(const WrField *fields, int nfields);
static void copy_uuid(HeapTuple tup, TupleDesc desc, int col, pg_uuid_t *id);
static int64 get_int8(HeapTuple tup, TupleDesc desc, int col);

/*
 * Columns of a registered workflow, in the order wr_registered_workflow_matches
 * reads them.  Versions before 1.1 have no is_task and before 1.2 no
 * product_tag; their constant stand-ins keep the shape the same.
 */
const char *
wr_workflow_columns(WrApiVersion api)
{
	if (api >= WR_API_1_2)
		return "w.workflow_id, w.target::pg_catalog.text, w.description, "
			"w.product_type, w.is_task, w.product_tag";
	if (api >= WR_API_1_1)
		return "w.workflow_id, w.target::pg_catalog.text, w.description, "
			"w.product_type, w.is_task, NULL::pg_catalog.varchar";
	return "w.workflow_id, w.target::pg_catalog.text, w.description, "
		"w.product_type, false, NULL::pg_catalog.varchar";
}

/* The columns a registration inserts, and the parameters it takes them from. */
static const char *
workflow_insert_columns(WrApiVersion api)
{
	if (api >= WR_API_1_2)
		return "name, target, description, product_type, is_task, product_tag";
	if (api >= WR_API_1_1)
		return "name, target, description, product_type, is_task";
	return "name, target, description, product_type";
}

static const char *
workflow_insert_values(WrApiVersion api)
{
	if (api >= WR_API_1_2)
		return "$1, $2::workflow_registry.target, $3, $4, $5, $6";
	if (api >= WR_API_1_1)
		return "$1, $2::workflow_registry.target, $3, $4, $5";
	return "$1, $2::workflow_registry.target, $3, $4";
}

static char *
plan_query(WrPlan which, WrApiVersion api, int *nargs, Oid **argtypes)
{
	*nargs = lengthof(workflow_argtypes);
	*argtypes = workflow_argtypes;

	switch (which)
	{
		case PLAN_CREATE_WORKFLOW:

			/*
			 * Insert only when no row of that name is visible and the
			 * product type (and tag) match a product; a task has no
			 * product type and no links.  ON CONFLICT covers a concurrent
			 * registration of the same name, which the caller then looks
			 * up with a new snapshot.
			 */
			return psprintf(
							"WITH existing AS ("
							" SELECT %s FROM workflow_registry.workflows AS w"
							" WHERE w.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE),"
							" candidate AS ("
							" SELECT p.product_id, p.tag FROM workflow_registry.products AS p"
							" WHERE p.product_type OPERATOR(pg_catalog.=) $4),"
							" linkable AS ("
							" SELECT c.product_id FROM candidate AS c"
							" WHERE $6 IS NULL OR c.tag OPERATOR(pg_catalog.=) $6),"
							" inserted AS ("
							" INSERT INTO workflow_registry.workflows (%s)"
							" SELECT %s"
							" WHERE NOT EXISTS (SELECT FROM existing)"
							" AND ($4 IS NULL OR EXISTS (SELECT FROM linkable))"
							" ON CONFLICT (name) DO NOTHING"
							" RETURNING workflow_id),"
							" linked AS ("
							" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
							" SELECT l.product_id, i.workflow_id"
							" FROM linkable AS l CROSS JOIN inserted AS i)"
							" SELECT (SELECT i.workflow_id FROM inserted AS i),"
							" (SELECT pg_catalog.count(*) FROM candidate),"
							" (SELECT pg_catalog.count(*) FROM linkable),"
							" e.*"
							" FROM (VALUES (1)) AS one LEFT JOIN existing AS e ON true",
							wr_workflow_columns(api),
							workflow_insert_columns(api),
							workflow_insert_values(api));

		case PLAN_INSERT_WORKFLOW:

			/*
			 * The common case, a new name whose product type (and tag)
			 * matches, in one short statement: insert the row and its
			 * links and return the id.  Anything else inserts nothing and
			 * returns no row, and PLAN_CREATE_WORKFLOW finds out why.
			 */
			return psprintf(
							"WITH inserted AS ("
							" INSERT INTO workflow_registry.workflows (%s)"
							" SELECT %s"
							" WHERE $4 IS NULL OR EXISTS ("
							" SELECT FROM workflow_registry.products AS p"
							" WHERE p.product_type OPERATOR(pg_catalog.=) $4"
							" AND ($6 IS NULL OR p.tag OPERATOR(pg_catalog.=) $6))"
							" ON CONFLICT (name) DO NOTHING"
							" RETURNING workflow_id),"
							" linked AS ("
							" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
							" SELECT p.product_id, i.workflow_id"
							" FROM inserted AS i JOIN workflow_registry.products AS p"
							" ON p.product_type OPERATOR(pg_catalog.=) $4"
							" AND ($6 IS NULL OR p.tag OPERATOR(pg_catalog.=) $6))"
							" SELECT i.workflow_id FROM inserted AS i",
							workflow_insert_columns(api),
							workflow_insert_values(api));

		case PLAN_FIND_WORKFLOW:
			*nargs = 1;
			return psprintf("SELECT %s FROM workflow_registry.workflows AS w"
							" WHERE w.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE",
							wr_workflow_columns(api));

		case PLAN_DELETE_WORKFLOW:
			*nargs = 1;
			return pstrdup("DELETE FROM workflow_registry.workflows"
						   " WHERE name OPERATOR(pg_catalog.=) $1"
						   " RETURNING workflow_id");

		case PLAN_PRODUCT_TAGS:
			*nargs = 1;
			return pstrdup("SELECT pg_catalog.string_agg(DISTINCT p.tag::pg_catalog.text, ', '"
						   " ORDER BY p.tag::pg_catalog.text)"
						   " FROM workflow_registry.products AS p"
						   " WHERE p.product_type OPERATOR(pg_catalog.=) $1");

		case PLAN_CREATE_PRODUCT:

			/*
			 * A new product is linked at once to the workflows of its
			 * type; from 1.2 on only to those without a product_tag or
			 * with its tag.
			 */
			*nargs = lengthof(product_argtypes);
			*argtypes = product_argtypes;
			return psprintf(
							"WITH existing AS ("
							" SELECT p.product_id, p.description, p.product_type, p.tag, p.status"
							" FROM workflow_registry.products AS p"
							" WHERE p.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE),"
							" inserted AS ("
							" INSERT INTO workflow_registry.products"
							" (name, description, product_type, tag, status)"
							" SELECT $1, $2, $3, $4, $5"
							" WHERE NOT EXISTS (SELECT FROM existing)"
							" ON CONFLICT (name) DO NOTHING"
							" RETURNING product_id),"
							" linked AS ("
							" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
							" SELECT i.product_id, w.workflow_id"
							" FROM inserted AS i"
							" JOIN workflow_registry.workflows AS w"
							" ON w.product_type OPERATOR(pg_catalog.=) $3%s)"
							" SELECT (SELECT i.product_id FROM inserted AS i), e.*"
							" FROM (VALUES (1)) AS one LEFT JOIN existing AS e ON true",
							api >= WR_API_1_2 ?
							" AND (w.product_tag IS NULL"
							" OR w.product_tag OPERATOR(pg_catalog.=) $4)" : "");

		case PLAN_FIND_PRODUCT:
			*nargs = 1;
			return pstrdup("SELECT p.product_id, p.description, p.product_type, p.tag, p.status"
						   " FROM workflow_registry.products AS p"
						   " WHERE p.name OPERATOR(pg_catalog.=) $1 FOR KEY SHARE");

		case PLAN_PRODUCT_TYPE:
			*nargs = 1;
			return pstrdup("SELECT p.product_type::pg_catalog.text"
						   " FROM workflow_registry.products AS p"
						   " WHERE p.name OPERATOR(pg_catalog.=) $1");

		case PLAN_DELETE_PRODUCT:
			*nargs = 1;
			return pstrdup("DELETE FROM workflow_registry.products"
						   " WHERE name OPERATOR(pg_catalog.=) $1"
						   " RETURNING product_id");
	}
	elog(ERROR, "unrecognized workflow_registry plan %d", (int) which);
	return NULL;				/* keep compiler quiet */
}

/*
 * Prepare sql once per backend and keep the plan in *slot; the caller is
 * connected to SPI.
 */
SPIPlanPtr
wr_keep_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*slot = plan;
	}
	return *slot;
}

/* Run a kept plan that writes; the caller is connected to SPI. */
void
wr_execute_plan(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	int			ret = SPI_execute_plan(plan, values, nulls, false, 0);

	if (ret < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));
}

/* The kept plan for a statement; the caller is connected to SPI. */
static SPIPlanPtr
get_plan(WrPlan which, WrApiVersion api)
{
	if (plans[api][which] == NULL)
	{
		int			nargs;
		Oid		   *argtypes;
		char	   *sql = plan_query(which, api, &nargs, &argtypes);

		wr_keep_plan(&plans[api][which], sql, nargs, argtypes);
	}
	return plans[api][which];
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
	static SPIPlanPtr plans[2];
	static Oid	argtypes[] = {TEXTOID};
	Datum		values[1];
	SPIPlanPtr	plan;
	char	   *seen;
	char	   *latest;

	values[0] = CStringGetTextDatum(product_type);
	SPI_connect();
	plan = wr_keep_plan(&plans[products],
						products ?
						"SELECT pg_catalog.array_agg(p.product_id ORDER BY p.product_id)::pg_catalog.text"
						" FROM workflow_registry.products AS p"
						" WHERE p.product_type OPERATOR(pg_catalog.=) $1" :
						"SELECT pg_catalog.array_agg(w.workflow_id ORDER BY w.workflow_id)::pg_catalog.text"
						" FROM workflow_registry.workflows AS w"
						" WHERE w.product_type OPERATOR(pg_catalog.=) $1",
						1, argtypes);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed");
	seen = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (SPI_execute_snapshot(plan, values, NULL, GetLatestSnapshot(),
							 InvalidSnapshot, true, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_snapshot failed");
	latest = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

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

static void
execute(WrPlan which, WrApiVersion api, Datum *values, const char *nulls)
{
	wr_execute_plan(get_plan(which, api), values, nulls);
}

static inline Datum
text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * Register a workflow or task and store its id in *id, and in *created
 * whether it is new.  A definition equal to the registered one returns the
 * registered id and writes nothing; a different one under the same name is
 * an error, as is a product type or tag that matches no product.
 */
void
wr_register_workflow(const WorkflowDef *def, WrApiVersion api, pg_uuid_t *id,
					 bool *created)
{
	Datum		values[6];
	char		nulls[6];

	if (def->product_type != NULL)
		wr_lock_product_type(def->product_type, ShareLock);

	values[0] = text_or_null(def->name, &nulls[0]);
	values[1] = text_or_null(def->target, &nulls[1]);
	values[2] = text_or_null(def->description, &nulls[2]);
	values[3] = text_or_null(def->product_type, &nulls[3]);
	values[4] = BoolGetDatum(def->is_task);
	nulls[4] = ' ';
	values[5] = text_or_null(def->product_tag, &nulls[5]);

	SPI_connect();

	/* a new workflow: one short statement */
	execute(PLAN_INSERT_WORKFLOW, api, values, nulls);
	if (SPI_processed == 1)
	{
		copy_uuid(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, id);
		*created = true;
		wr_notify_change(WR_WORKFLOW_CREATED, 1);
		SPI_finish();
		return;
	}

	/* anything else: find out what is registered and why */
	for (;;)
	{
		HeapTuple	tup;
		TupleDesc	desc;
		bool		isnull;

		execute(PLAN_CREATE_WORKFLOW, api, values, nulls);
		if (SPI_processed != 1)
			elog(ERROR, "workflow registration returned " UINT64_FORMAT " rows",
				 (uint64) SPI_processed);
		tup = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;

		*created = false;
		(void) SPI_getbinval(tup, desc, 1, &isnull);
		if (!isnull)
		{
			copy_uuid(tup, desc, 1, id);
			*created = true;
			wr_notify_change(WR_WORKFLOW_CREATED, 1);
			break;
		}
		if (wr_registered_workflow_matches(def, tup, desc, 4, id))
			break;

		if (def->product_type != NULL &&
			(get_int8(tup, desc, 2) == 0 ||
			 (def->product_tag != NULL && get_int8(tup, desc, 3) == 0)))
			wr_report_unlinked(def->name, def->product_type, def->product_tag,
							   get_int8(tup, desc, 2) > 0);

		/*
		 * Another transaction registered the name after our snapshot was
		 * taken and has committed; look at its row with a new snapshot.
		 */
		execute(PLAN_FIND_WORKFLOW, api, values, nulls);
		if (SPI_processed == 1 &&
			wr_registered_workflow_matches(def, SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 1, id))
			break;

		/* ... and if it has been deleted again meanwhile, start over. */
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
}

/*
 * Delete a workflow or task and, through the foreign keys, its links.
 */
void
wr_unregister_workflow(const char *name, bool if_exists)
{
	Datum		values[1];
	char		nulls[1] = {' '};

	values[0] = CStringGetTextDatum(name);

	SPI_connect();
	execute(PLAN_DELETE_WORKFLOW, WR_API_1_0, values, nulls);
	if (SPI_processed == 0)
	{
		if (!if_exists)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("workflow \"%s\" does not exist", wr_clip(name)),
					 errdetail("No workflow or task of that name is registered."),
					 errhint("Check the name, or pass if_exists => true to ignore a missing workflow.")));
		ereport(NOTICE,
				(errmsg("workflow \"%s\" does not exist, skipping",
						wr_clip(name))));
	}
	wr_notify_change(WR_WORKFLOW_DELETED, (int64) SPI_processed);
	SPI_finish();
}

/*
 * Register a product and store its id in *id (and in *created whether it is
 * new), linking it to the registered workflows of its type.  Repeating an
 * identical definition returns the registered id; a different one under the
 * same name is an error.
 */
void
wr_register_product(const ProductDef *def, WrApiVersion api, pg_uuid_t *id,
					bool *created)
{
	Datum		values[5];
	char		nulls[5];

	wr_lock_product_type(def->product_type, ExclusiveLock);

	values[0] = text_or_null(def->name, &nulls[0]);
	values[1] = text_or_null(def->description, &nulls[1]);
	values[2] = text_or_null(def->product_type, &nulls[2]);
	values[3] = text_or_null(def->tag, &nulls[3]);
	values[4] = text_or_null(def->status, &nulls[4]);

	SPI_connect();
	for (;;)
	{
		HeapTuple	tup;
		TupleDesc	desc;
		bool		isnull;

		execute(PLAN_CREATE_PRODUCT, api, values, nulls);
		if (SPI_processed != 1)
			elog(ERROR, "product registration returned " UINT64_FORMAT " rows",
				 (uint64) SPI_processed);
		tup = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;

		*created = false;
		(void) SPI_getbinval(tup, desc, 1, &isnull);
		if (!isnull)
		{
			copy_uuid(tup, desc, 1, id);
			*created = true;
			wr_notify_change(WR_PRODUCT_CREATED, 1);
			break;
		}
		if (registered_product_matches(def, tup, desc, 2, id))
			break;

		/*
		 * Registered concurrently under another product type, so our lock
		 * did not wait for it: look at it with a new snapshot.
		 */
		execute(PLAN_FIND_PRODUCT, api, values, nulls);
		if (SPI_processed == 1 &&
			registered_product_matches(def, SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1, id))
			break;
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
}

/*
 * Delete a product and, through the foreign keys, its links.  The product
 * type is locked first, so a workflow being registered concurrently either
 * sees the product and links to it before the delete, or does not see it.
 */
void
wr_unregister_product(const char *name)
{
	Datum		values[1];
	char		nulls[1] = {' '};

	values[0] = CStringGetTextDatum(name);

	SPI_connect();
	execute(PLAN_PRODUCT_TYPE, WR_API_1_0, values, nulls);
	if (SPI_processed == 1)
	{
		wr_lock_product_type(SPI_getvalue(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1),
						  ExclusiveLock);
		execute(PLAN_DELETE_PRODUCT, WR_API_1_0, values, nulls);
	}
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("product \"%s\" does not exist", wr_clip(name)),
				 errdetail("No product of that name is registered."),
				 errhint("Check the name against workflow_registry.products.")));
	wr_notify_change(WR_PRODUCT_DELETED, 1);
	SPI_finish();
}

/*
 * Compare a registered workflow (its columns from "first" on, in
 * workflow_columns order) with def.  Equal: store its id and return true.
 * No row (a NULL id): return false.  Different: raise the error.
 */
bool
wr_registered_workflow_matches(const WorkflowDef *def, HeapTuple tup,
							TupleDesc desc, int first, pg_uuid_t *id)
{
	bool		isnull;
	WrField		fields[5];
	char	   *difference;
	const char *what = def->product_type ? "workflow" : "task";

	(void) SPI_getbinval(tup, desc, first, &isnull);
	if (isnull)
		return false;

	fields[0] = (WrField)
	{
		"target", SPI_getvalue(tup, desc, first + 1), def->target
	};
	fields[1] = (WrField)
	{
		"description", SPI_getvalue(tup, desc, first + 2), def->description
	};
	fields[2] = (WrField)
	{
		"product_type", SPI_getvalue(tup, desc, first + 3), def->product_type
	};
	fields[3] = (WrField)
	{
		"product_tag", SPI_getvalue(tup, desc, first + 5), def->product_tag
	};
	fields[4] = (WrField)
	{
		"is_task", pstrdup(strcmp(SPI_getvalue(tup, desc, first + 4), "t") == 0 ?
						   "true" : "false"),
			def->is_task ? "true" : "false"
	};

	difference = first_difference(fields, lengthof(fields));
	if (difference != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s \"%s\" is already registered with a different definition",
						what, def->name),
				 errdetail_internal("%s", difference),
				 errhint("Delete it first with workflow_registry.delete_workflow(), or register the new definition under a new name.")));

	copy_uuid(tup, desc, first, id);
	return true;
}

/* As registered_workflow_matches, for products. */
static bool
registered_product_matches(const ProductDef *def, HeapTuple tup,
						   TupleDesc desc, int first, pg_uuid_t *id)
{
	bool		isnull;
	WrField		fields[4];
	char	   *difference;

	(void) SPI_getbinval(tup, desc, first, &isnull);
	if (isnull)
		return false;

	fields[0] = (WrField)
	{
		"description", SPI_getvalue(tup, desc, first + 1), def->description
	};
	fields[1] = (WrField)
	{
		"product_type", SPI_getvalue(tup, desc, first + 2), def->product_type
	};
	fields[2] = (WrField)
	{
		"tag", SPI_getvalue(tup, desc, first + 3), def->tag
	};
	fields[3] = (WrField)
	{
		"status", SPI_getvalue(tup, desc, first + 4), def->status
	};

	difference = first_difference(fields, lengthof(fields));
	if (difference != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("product \"%s\" is already registered with a different definition",
						def->name),
				 errdetail_internal("%s", difference),
				 errhint("Delete it first with workflow_registry.delete_product(), or register the new definition under a new name.")));

	copy_uuid(tup, desc, first, id);
	return true;
}

/* A sentence naming the first key whose values differ, or NULL. */
static char *
first_difference(const WrField *fields, int nfields)
{
	for (int i = 0; i < nfields; i++)
	{
		const WrField *f = &fields[i];

		if (f->registered == NULL && f->given == NULL)
			continue;
		if (f->registered != NULL && f->given != NULL &&
			strcmp(f->registered, f->given) == 0)
			continue;

		return psprintf("Key \"%s\" is %s%s%s in the registry but %s%s%s in the new definition.",
						f->key,
						f->registered ? "\"" : "",
						f->registered ? wr_clip(f->registered) : "not set",
						f->registered ? "\"" : "",
						f->given ? "\"" : "",
						f->given ? wr_clip(f->given) : "not set",
						f->given ? "\"" : "");
	}
	return NULL;
}

static void
copy_uuid(HeapTuple tup, TupleDesc desc, int col, pg_uuid_t *id)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	Assert(!isnull);
	memcpy(id, DatumGetUUIDP(d), sizeof(pg_uuid_t));
}

static int64
get_int8(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
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
	if (!type_has_products)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("no product has product_type \"%s\"",
						wr_clip(product_type)),
				 errdetail("Workflow \"%s\" would be linked to no product.", name),
				 errhint("Register a product of that type first with workflow_registry.create_product(), or correct \"product_type\".")));
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("no product of product_type \"%s\" has tag \"%s\"",
					product_type, product_tag),
			 errdetail("The products of that type have the tags %s.",
					   wr_product_tags(product_type)),
			 errhint("Correct \"product_tag\", or leave it unset to link every product of the type.")));
}

/*
 * "GROUP, USER_INT": the tags of a product type, for an error detail; the
 * caller is connected to SPI.
 */
char *
wr_product_tags(const char *product_type)
{
	Datum		values[1];
	char		nulls[1] = {' '};

	values[0] = CStringGetTextDatum(product_type);
	execute(PLAN_PRODUCT_TAGS, WR_API_1_0, values, nulls);
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * A one-dimensional text[] of C strings, NULL elements for NULL pointers,
 * to pass as a statement parameter.
 */
Datum
wr_text_array(const char *const *strings, int n)
{
	Datum	   *elems = palloc(Max(n, 1) * sizeof(Datum));
	bool	   *nulls = palloc(Max(n, 1) * sizeof(bool));
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int i = 0; i < n; i++)
	{
		nulls[i] = strings[i] == NULL;
		elems[i] = strings[i] ? CStringGetTextDatum(strings[i]) : (Datum) 0;
	}
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * A text[] of one char * field of n structs of the given size, e.g. the
 * names of an array of WorkflowDef.
 */
Datum
wr_field_array(const void *structs, size_t size, int n, size_t offset)
{
	const char **strings = palloc(Max(n, 1) * sizeof(char *));

	for (int i = 0; i < n; i++)
		strings[i] = *(char *const *) ((const char *) structs + i * size + offset);
	return wr_text_array(strings, n);
}

/* An array of elemtype from a list of (pass-by-reference) datums. */
Datum
wr_list_array(List *list, Oid elemtype)
{
	int			n = list_length(list);
	Datum	   *elems = palloc(Max(n, 1) * sizeof(Datum));
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			i = 0;
	ListCell   *lc;

	foreach(lc, list)
		elems[i++] = PointerGetDatum(lfirst(lc));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(elems, n, elemtype, typlen,
										   typbyval, typalign));
}
