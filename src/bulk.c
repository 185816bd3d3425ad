/*-------------------------------------------------------------------------
 *
 * bulk.c
 *	  create_workflows(): many definitions registered in one call.
 *
 * A first pass reads and checks every item as create_workflow() checks it,
 * in a memory context reset per item, and keeps only where its name is in
 * the input, so that names repeated in the array can be found by sorting.
 * The second pass registers the items in chunks of WR_BULK_CHUNK, each with
 * a few set-based statements (compare the names already registered, check
 * the product types and tags, insert the workflows and their links) in a
 * memory context reset per chunk, so the memory used beyond the input does
 * not grow with the number of items.  All or nothing: any bad item is an
 * error that names it, and the caller's transaction writes nothing.
 *
 * Locks, in the order of links.c's header: the product types of all the
 * items, before the first chunk writes a row (a chunk that locked its own
 * types after the rows of the chunks before it could deadlock with a
 * create_product of one of them); then each chunk inserts its names in
 * sorted order, so that two calls with overlapping names in different
 * orders wait for each other in one direction only, not in a circle.
 *
 * Attached to orchestrator-core's tables (tables.h), every statement has
 * a text of its own for them, as registry.c's have, and the same passes,
 * locks and errors apply; a soft-deleted name is not registered, and is
 * brought back with the new definition, as create_workflow() brings it
 * back.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "bulk.h"
#include "catalog/pg_trigger.h"
#include "classify.h"
#include "catalog/pg_type.h"
#include "links.h"
#include "message.h"
#include "miscadmin.h"
#include "notify.h"
#include "registry.h"
#include "spi.h"
#include "tables.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* Items registered by one set of statements. */
#define WR_BULK_CHUNK 1000

/* One item of a chunk. */
typedef struct WrItem
{
	WorkflowDef def;
	int			index;			/* in the array */
	bool		registered;		/* id known */
	pg_uuid_t	id;
} WrItem;

/* Where an item's name is in the input, for finding repeated names. */
typedef struct WrItemName
{
	const char *name;			/* not terminated */
	int			len;
	int			index;
} WrItemName;

typedef enum WrBulkStatement
{
	BULK_EXISTING,
	BULK_UNMATCHED,
	BULK_ID_TAKEN,
	BULK_INSERT
} WrBulkStatement;

/*
 * Every statement takes the items not registered yet as arrays: name,
 * target, description, product_type, is_task, product_tag, the item's
 * position in the chunk, is_default (1.8) and the caller's workflow_id
 * (1.11, NULL where the registry chooses).
 */
#define BULK_NARGS 9
#define BULK_ARGS \
	.nargs = BULK_NARGS, .argtypes = {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, \
	TEXTARRAYOID, BOOLARRAYOID, TEXTARRAYOID, INT4ARRAYOID, BOOLARRAYOID, \
	TEXTARRAYOID}

/* The id of a new item i: the caller's, or a new random one. */
#define NEW_ITEM_ID \
	"COALESCE(i.workflow_id::pg_catalog.uuid, pg_catalog.gen_random_uuid())"

static char *build_existing(WrApiVersion api);
static char *build_insert(WrApiVersion api);
static char *attached_existing(const char *schema);
static char *attached_insert(const char *schema);
static char *unmatched(const WrTables *t);
static char *id_taken(const char *schema);
static char *own_id_taken(WrApiVersion api);

/*
 * The first item whose product type (and tag) matches no product: its
 * position, and how many products the type has.
 */
#define UNMATCHED(products) \
	"SELECT i.n, pg_catalog.count(p.product_id)" \
	" FROM ROWS FROM (pg_catalog.unnest($4), pg_catalog.unnest($6)," \
	" pg_catalog.unnest($7)) AS i(product_type, product_tag, n)" \
	" LEFT JOIN " products " AS p" \
	" ON p.product_type OPERATOR(pg_catalog.=) i.product_type" \
	" WHERE i.product_type IS NOT NULL" \
	" GROUP BY i.n" \
	" HAVING pg_catalog.count(p.product_id) FILTER (WHERE" \
	WR_LINK_RULE("p.product_type", "p.tag", "i.product_type", "i.product_tag") \
	") OPERATOR(pg_catalog.=) 0" \
	" ORDER BY i.n LIMIT 1"

static const WrStatement bulk_sql[] = {
	/* registered rows of the names, with the item's position */
	[BULK_EXISTING] = {
		.build = build_existing, .attached = attached_existing, BULK_ARGS
	},
	[BULK_UNMATCHED] = {
		.tables = unmatched,
		BULK_ARGS
	},
	[BULK_ID_TAKEN] = {
		.build = own_id_taken, .attached = id_taken, BULK_ARGS
	},
	[BULK_INSERT] = {
		.build = build_insert, .attached = attached_insert, BULK_ARGS
	},
};

static WrStatements statements = WR_STATEMENTS(bulk_sql);

static char *
unmatched(const WrTables *t)
{
	return psprintf(UNMATCHED("%s"), t->products);
}

/*
 * The first item whose caller-chosen id the registry cannot give it, as
 * check_workflow_id_free() in registry.c finds it for one: its position,
 * the name of the workflow that has the id, whether that one is
 * soft-deleted, and its id.  An earlier item of the chunk that gives the
 * same id has it too; attached, a soft-deleted row of the item's own name
 * with another id would come back with that id.
 */
#define ID_TAKEN(workflows, soft_deleted, own_name) \
	"WITH i AS (" \
	" SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($7)," \
	" pg_catalog.unnest($9)) AS i(name, n, workflow_id)" \
	" WHERE i.workflow_id IS NOT NULL)" \
	" SELECT i.n, j.name, false, j.workflow_id" \
	" FROM i JOIN i AS j ON j.workflow_id OPERATOR(pg_catalog.=) i.workflow_id" \
	" AND j.n OPERATOR(pg_catalog.<) i.n" \
	" UNION ALL" \
	" SELECT i.n, w.name::pg_catalog.text, " soft_deleted ", w.workflow_id::pg_catalog.text" \
	" FROM i JOIN " workflows " AS w" \
	" ON w.workflow_id OPERATOR(pg_catalog.=) i.workflow_id::pg_catalog.uuid" \
	" AND w.name OPERATOR(pg_catalog.<>) i.name" \
	own_name \
	" ORDER BY 1 LIMIT 1"

static char *
own_id_taken(WrApiVersion api)
{
	return pstrdup(ID_TAKEN("workflow_registry.workflows", "false", ""));
}

static char *
id_taken(const char *schema)
{
	return psprintf(ID_TAKEN("%1$s", "w.deleted_at IS NOT NULL",
							 " UNION ALL"
							 " SELECT i.n, w.name::pg_catalog.text, true,"
							 " w.workflow_id::pg_catalog.text"
							 " FROM i JOIN %1$s AS w ON w.name OPERATOR(pg_catalog.=) i.name"
							 " AND w.deleted_at IS NOT NULL"
							 " AND w.workflow_id OPERATOR(pg_catalog.<>) i.workflow_id::pg_catalog.uuid"),
					wr_attached_table(schema, "workflows"));
}

static char *
build_existing(WrApiVersion api)
{
	return psprintf("SELECT i.n, %s"
					" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($7)) AS i(name, n)"
					" JOIN workflow_registry.workflows AS w"
					" ON w.name OPERATOR(pg_catalog.=) i.name"
					" FOR KEY SHARE OF w",
					wr_workflow_columns(api));
}

/*
 * From 1.8 the items' is_default is inserted and linked by, and from 1.11
 * the caller's workflow_id is inserted.
 */
static char *
build_insert(WrApiVersion api)
{
	bool		v18 = api >= WR_API_1_8;

	return psprintf("WITH inserted AS ("
					" INSERT INTO workflow_registry.workflows"
					" (name, target, description, product_type, is_task, product_tag%s%s)"
					" SELECT i.name, i.target::workflow_registry.target, i.description,"
					" i.product_type, i.is_task, i.product_tag%s%s"
					" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
					" pg_catalog.unnest($3), pg_catalog.unnest($4),"
					" pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($8),"
					" pg_catalog.unnest($9))"
					" AS i(name, target, description, product_type, is_task, product_tag,"
					" is_default, workflow_id)"
					" ON CONFLICT (name) DO NOTHING"
					" RETURNING workflow_id, name, product_type, product_tag%s),"
					" linked AS ("
					" INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
					" SELECT p.product_id, i.workflow_id"
					" FROM inserted AS i"
					" JOIN workflow_registry.products AS p ON%s)"
					" SELECT i.name, i.workflow_id FROM inserted AS i",
					v18 ? ", is_default" : "",
					api >= WR_API_1_11 ? ", workflow_id" : "",
					v18 ? ", i.is_default" : "",
					api >= WR_API_1_11 ? ", " NEW_ITEM_ID : "",
					v18 ? ", is_default" : "",
					v18 ?
					WR_LINK_RULE_1_8("p.product_type", "p.tag", "i.product_type",
									 "i.product_tag", "i.is_default") :
					WR_LINK_RULE("p.product_type", "p.tag", "i.product_type", "i.product_tag"));
}

/*
 * The same statements on orchestrator-core's tables, as registry.c writes
 * create_workflow()'s: a workflow is its row in the attached workflows
 * table and its product type and tag in attached_workflows; a row with no
 * attached_workflows row is registered with no product type, and a
 * soft-deleted one is not registered.
 */
static char *
attached_existing(const char *schema)
{
	return psprintf("SELECT i.n, %s"
					" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($7)) AS i(name, n)"
					" JOIN %s AS w ON w.name OPERATOR(pg_catalog.=) i.name"
					" LEFT JOIN workflow_registry.attached_workflows AS m"
					" ON m.workflow_id OPERATOR(pg_catalog.=) w.workflow_id"
					" WHERE w.deleted_at IS NULL"
					" FOR KEY SHARE OF w",
					wr_attached_workflow_columns(),
					wr_attached_table(schema, "workflows"));
}

/*
 * Insert the new names, or bring a soft-deleted row of the name back with
 * the new definition (its processes keep their workflow); a row that is
 * registered, whether since our snapshot or not, is skipped, as in own
 * mode, and match_concurrent() looks at it.  orchestrator-core's table
 * has no product type: each row returned is joined back to its item by
 * name (unique within a chunk) for its attached_workflows row and links.
 * A row soft-deleted by orchestrator-core itself may still have both,
 * hence the ON CONFLICTs.
 */
static char *
attached_insert(const char *schema)
{
	return psprintf("WITH item AS ("
					" SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
					" pg_catalog.unnest($3), pg_catalog.unnest($4),"
					" pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($8),"
					" pg_catalog.unnest($9))"
					" AS i(name, target, description, product_type, is_task, product_tag,"
					" is_default, workflow_id)),"
					" inserted AS ("
					" INSERT INTO %1$s AS w (workflow_id, name, target, description, is_task)"
					" SELECT " NEW_ITEM_ID ", i.name, i.target, i.description, i.is_task"
					" FROM item AS i"
					WR_REVIVE_SOFT_DELETED("w")
					" RETURNING w.workflow_id, w.name),"
					" registered AS ("
					" SELECT n.workflow_id, i.product_type, i.product_tag, i.is_default"
					" FROM inserted AS n JOIN item AS i"
					" ON i.name OPERATOR(pg_catalog.=) n.name),"
					" meta AS ("
					WR_RECORD_ATTACHED("SELECT r.workflow_id, r.product_type, r.product_tag,"
									   " r.is_default FROM registered AS r") "),"
					" linked AS ("
					" INSERT INTO %2$s (product_id, workflow_id)"
					" SELECT p.product_id, r.workflow_id"
					" FROM registered AS r JOIN %3$s AS p ON"
					WR_LINK_RULE_1_8("p.product_type", "p.tag", "r.product_type",
									 "r.product_tag", "r.is_default")
					" FOR KEY SHARE OF p"
					" ON CONFLICT DO NOTHING)"
					" SELECT n.name::pg_catalog.text, n.workflow_id FROM inserted AS n",
					wr_attached_table(schema, "workflows"),
					wr_attached_table(schema, "products_workflows"),
					wr_attached_table(schema, "products"));
}

/* The statements' parameters for the items not registered yet. */
static void
bulk_values(WrItem *items, int nitems, Datum *values)
{
	WrItem	   *todo = palloc(Max(nitems, 1) * sizeof(WrItem));
	Datum	   *positions = palloc(Max(nitems, 1) * sizeof(Datum));
	int			n = 0;

	for (int i = 0; i < nitems; i++)
	{
		if (items[i].registered)
			continue;
		todo[n] = items[i];
		positions[n] = Int32GetDatum(i);
		n++;
	}
#define OFFSET(f) (offsetof(WrItem, def) + offsetof(WorkflowDef, f))
	values[0] = wr_field_array(todo, sizeof(WrItem), n, OFFSET(name));
	values[1] = wr_field_array(todo, sizeof(WrItem), n, OFFSET(target));
	values[2] = wr_field_array(todo, sizeof(WrItem), n, OFFSET(description));
	values[3] = wr_field_array(todo, sizeof(WrItem), n, OFFSET(product_type));
	values[4] = wr_bool_field_array(todo, sizeof(WrItem), n, OFFSET(is_task));
	values[5] = wr_field_array(todo, sizeof(WrItem), n, OFFSET(product_tag));
	values[6] = PointerGetDatum(construct_array(positions, n, INT4OID, 4, true,
												TYPALIGN_INT));
	values[7] = wr_bool_field_array(todo, sizeof(WrItem), n, OFFSET(is_default));
	values[8] = wr_field_array(todo, sizeof(WrItem), n, OFFSET(workflow_id));
#undef OFFSET
}

static int compare_names(const void *a, const void *b);

/*
 * Lock the product type of every item, in share mode as create_workflow()
 * does for one, and the default workflows' lock if an item is one, all
 * before the first chunk (see the file header).  Reads only the items'
 * product_type and default keys, already checked.
 */
static void
lock_product_types(Jsonb *workflows, WrApiVersion api)
{
	int			count = JB_ROOT_COUNT(workflows);
	WrItemName *types = palloc(Max(count, 1) * sizeof(WrItemName));
	WrTypeLock *locks;
	int			n = 0;
	int			distinct = 0;
	bool		defaults = false;

	for (int i = 0; i < count; i++)
	{
		JsonbValue *item = getIthJsonbValueFromContainer(&workflows->root, i);
		JsonbValue	v;

		if (getKeyJsonValueFromContainer(item->val.binary.data, "product_type",
										 12, &v) != NULL && v.type == jbvString)
			types[n++] = (WrItemName) {v.val.string.val, v.val.string.len, 0};
		if (getKeyJsonValueFromContainer(item->val.binary.data, "default",
										 7, &v) != NULL && v.type == jbvBool &&
			v.val.boolean)
			defaults = true;
	}

	/* each type once, not once per item */
	qsort(types, n, sizeof(WrItemName), compare_names);
	locks = palloc(Max(n, 1) * sizeof(WrTypeLock));
	for (int i = 0; i < n; i++)
	{
		if (i > 0 && types[i].len == types[i - 1].len &&
			memcmp(types[i].name, types[i - 1].name, types[i].len) == 0)
			continue;
		locks[distinct++] = (WrTypeLock) {pnstrdup(types[i].name, types[i].len),
			ShareLock};
	}
	pfree(types);
	wr_lock_product_types(locks, distinct);
	if (defaults)
		wr_lock_default_workflows(ShareLock, true, api);
}

static int
compare_item_names(const void *a, const void *b)
{
	return strcmp(((const WrItem *) a)->def.name, ((const WrItem *) b)->def.name);
}

static int
compare_item_indexes(const void *a, const void *b)
{
	return ((const WrItem *) a)->index - ((const WrItem *) b)->index;
}

/* Read and check item i into *def; errors name the item. */
static void
read_item(Jsonb *workflows, int i, WrApiVersion api, WorkflowDef *def)
{
	WrItemContext item;
	JsonbValue *elem;

	elem = getIthJsonbValueFromContainer(&workflows->root, i);
	wr_push_item_context(&item, "workflows", "");
	item.index = i;
	item.name = wr_item_name(elem);
	if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("workflow definition must be a JSON object"),
				 errdetail("create_workflows() takes an array of the objects that create_workflow() takes."),
				 errhint("Write the argument as [{\"name\": ...}, {\"name\": ...}].")));
	wr_parse_workflow_registration(JsonbValueToJsonb(elem), api, def);
	wr_pop_item_context(&item);
}

static int
compare_names(const void *a, const void *b)
{
	const WrItemName *x = a;
	const WrItemName *y = b;
	int			c = memcmp(x->name, y->name, Min(x->len, y->len));

	if (c == 0)
		c = x->len - y->len;
	return c != 0 ? c : x->index - y->index;
}

/*
 * First pass: check every item, and find the names repeated in the array.
 * Returns, per item, whether it repeats an earlier item (with the same
 * definition; a different one is an error).
 */
static bool *
check_items(Jsonb *workflows, WrApiVersion api)
{
	int			count = JB_ROOT_COUNT(workflows);
	WrItemName *names = palloc(Max(count, 1) * sizeof(WrItemName));
	bool	   *repeat = palloc0(Max(count, 1) * sizeof(bool));
	MemoryContext itemcxt = AllocSetContextCreate(CurrentMemoryContext,
												  "workflow_registry bulk item",
												  ALLOCSET_SMALL_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(itemcxt);

	for (int i = 0; i < count; i++)
	{
		WorkflowDef def;
		JsonbValue	v;

		MemoryContextReset(itemcxt);
		read_item(workflows, i, api, &def);

		/* the name as it is in the input, which outlives the item context */
		getKeyJsonValueFromContainer(getIthJsonbValueFromContainer(&workflows->root, i)->val.binary.data,
									 "name", 4, &v);
		names[i].name = v.val.string.val;
		names[i].len = v.val.string.len;
		names[i].index = i;
	}

	qsort(names, count, sizeof(WrItemName), compare_names);
	for (int i = 1; i < count; i++)
	{
		WorkflowDef first;
		WorkflowDef again;

		if (names[i].len != names[i - 1].len ||
			memcmp(names[i].name, names[i - 1].name, names[i].len) != 0)
			continue;

		/* the same name: the first occurrence of a run sorts first */
		MemoryContextReset(itemcxt);
		read_item(workflows, names[i - 1].index, api, &first);
		read_item(workflows, names[i].index, api, &again);
		if (!wr_same_workflow(&first, &again))
		{
			WrItemContext item;

			wr_push_item_context(&item, "workflows", "");
			item.index = names[i].index;
			item.name = again.name;
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("workflow \"%s\" is defined twice with different definitions",
							again.name),
					 errdetail("workflows[%d] and workflows[%d] have the same name.",
							   names[i - 1].index, names[i].index),
					 errhint("Keep one definition per name.")));
		}
		repeat[names[i].index] = true;
		names[i].index = names[i - 1].index;	/* compare later ones with the first */
	}

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(itemcxt);
	pfree(names);
	return repeat;
}

/* Take the ids of the items already registered, or raise the error of the
 * first one registered differently. */
static void
match_registered(WrItem *items, int nitems, WrApiVersion api, Datum *values)
{
	WrItemContext context;

	wr_execute_versioned(&statements, BULK_EXISTING, api, values, NULL);
	wr_push_item_context(&context, "workflows", "");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		bool		isnull;
		WrItem	   *item = &items[DatumGetInt32(SPI_getbinval(tup, SPI_tuptable->tupdesc,
															  1, &isnull))];

		context.index = item->index;
		context.name = item->def.name;
		item->registered = wr_registered_workflow_matches(&item->def, tup,
														  SPI_tuptable->tupdesc,
														  2, &item->id);
	}
	wr_pop_item_context(&context);
	SPI_freetuptable(SPI_tuptable);
}

static bool
all_registered(const WrItem *items, int nitems)
{
	for (int i = 0; i < nitems; i++)
		if (!items[i].registered)
			return false;
	return true;
}

/*
 * Compare the items that the insert skipped, names registered concurrently
 * since our snapshot, with what is registered now.  The caller is connected
 * to SPI.
 */
static void
match_concurrent(WrItem *items, int nitems, WrApiVersion api, Datum *values)
{
	WrItemContext context;

	if (all_registered(items, nitems))
		return;

	bulk_values(items, nitems, values);
	match_registered(items, nitems, api, values);
	wr_push_item_context(&context, "workflows", "");
	for (int i = 0; i < nitems; i++)
	{
		context.index = items[i].index;
		context.name = items[i].def.name;
		if (items[i].registered)
			continue;
		wr_check_not_suppressed("workflows", TRIGGER_TYPE_INSERT, "insert",
								"workflow", items[i].def.name);
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("workflow \"%s\" was registered and deleted concurrently",
						items[i].def.name),
				 errhint("Run create_workflows() again.")));
	}
	wr_pop_item_context(&context);
}

/*
 * Raise the error of the first item not registered yet whose caller-chosen
 * id the registry cannot give it (ID_TAKEN), naming the item.  A chunk
 * whose items choose no id runs no statement.  The caller is connected to
 * SPI.
 */
static void
check_ids_free(WrItem *items, int nitems, WrApiVersion api, Datum *values)
{
	bool		chosen = false;
	bool		isnull;
	HeapTuple	tup;
	TupleDesc	desc;
	WrItem	   *item;
	WrItemContext context;

	for (int i = 0; i < nitems && !chosen; i++)
		chosen = !items[i].registered && items[i].def.workflow_id != NULL;
	if (!chosen)
		return;

	wr_execute_versioned(&statements, BULK_ID_TAKEN, api, values, NULL);
	if (SPI_processed == 0)
		return;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	item = &items[DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull))];
	wr_push_item_context(&context, "workflows", "");
	context.index = item->index;
	context.name = item->def.name;
	wr_report_workflow_id_taken(item->def.name, item->def.workflow_id,
								SPI_getvalue(tup, desc, 2),
								DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull)),
								SPI_getvalue(tup, desc, 4));
}

/*
 * Check and insert the items of a chunk that are not registered yet, and
 * take their ids, or those of the names registered concurrently.  The
 * caller is connected to SPI.
 */
static void
insert_new(WrItem *items, int nitems, WrApiVersion api, Datum *values)
{
	bulk_values(items, nitems, values);
	check_ids_free(items, nitems, api, values);
	wr_execute(&statements, BULK_UNMATCHED, values, NULL);
	if (SPI_processed > 0)
	{
		bool		isnull;
		WrItem	   *item = &items[DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
															  SPI_tuptable->tupdesc,
															  1, &isnull))];
		int64		products = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc,
														   2, &isnull));
		WrItemContext context;

		wr_push_item_context(&context, "workflows", "");
		context.index = item->index;
		context.name = item->def.name;
		wr_report_unlinked(item->def.name, item->def.product_type,
						   item->def.product_tag, products > 0);
	}
	SPI_freetuptable(SPI_tuptable);

	/* insert in name order (see the file header) */
	qsort(items, nitems, sizeof(WrItem), compare_item_names);
	bulk_values(items, nitems, values);
	wr_execute_versioned(&statements, BULK_INSERT, api, values, NULL);
	wr_notify_change(WR_WORKFLOW_CREATED, (int64) SPI_processed);
	{
		/* RETURNING order is the insert order, which is now the item order */
		uint64		r = 0;

		for (int i = 0; i < nitems && r < SPI_processed; i++)
		{
			bool		isnull;
			HeapTuple	tup = SPI_tuptable->vals[r];
			text	   *name;
			size_t		len = strlen(items[i].def.name);

			if (items[i].registered)
				continue;
			name = DatumGetTextPP(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
			if (VARSIZE_ANY_EXHDR(name) != len ||
				memcmp(VARDATA_ANY(name), items[i].def.name, len) != 0)
				continue;		/* skipped by ON CONFLICT */
			memcpy(&items[i].id,
				   DatumGetUUIDP(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull)),
				   sizeof(pg_uuid_t));
			items[i].registered = true;
			r++;
		}
	}
	SPI_freetuptable(SPI_tuptable);
	qsort(items, nitems, sizeof(WrItem), compare_item_indexes);

	match_concurrent(items, nitems, api, values);
}

/*
 * Attached: adopt the names of the chunk that orchestrator-core registered
 * itself and that fit attach's rules (classify.c), and refuse, naming the
 * item, one that does not.  names is the chunk's text[] of names.  The
 * caller is connected to SPI.
 */
static void
adopt_chunk(WrItem *items, int nitems, Datum names)
{
	WrItemContext context;

	if (wr_attached_schema() == NULL)
		return;
	wr_adopt_workflows(names);
	wr_push_item_context(&context, "workflows", "");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		const char *name = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);

		if (strcmp(SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2), "leave") != 0)
			continue;
		for (int i = 0; i < nitems; i++)
			if (strcmp(items[i].def.name, name) == 0)
			{
				context.index = items[i].index;
				context.name = items[i].def.name;
				break;
			}
		wr_report_unmanaged(name, SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 3));
	}
	wr_pop_item_context(&context);
}

/*
 * Register one chunk of items and put their (name, workflow_id) rows into
 * out.  A chunk whose names are all registered identically runs no
 * statement that writes: attached, not even orchestrator-core's statement
 * triggers fire for it.  The caller is connected to SPI.
 */
static void
register_chunk(WrItem *items, int nitems, WrApiVersion api,
			   Tuplestorestate *out, TupleDesc outdesc)
{
	Datum		values[BULK_NARGS];

	bulk_values(items, nitems, values);
	adopt_chunk(items, nitems, values[0]);
	match_registered(items, nitems, api, values);
	if (!all_registered(items, nitems))
		insert_new(items, nitems, api, values);

	for (int i = 0; i < nitems; i++)
	{
		Datum		row[2];
		bool		nulls[2] = {false, false};

		row[0] = CStringGetTextDatum(items[i].def.name);
		row[1] = UUIDPGetDatum(&items[i].id);
		tuplestore_putvalues(out, outdesc, row, nulls);
	}
}

/*
 * Register every definition of the array, all or nothing, and put one
 * (name, workflow_id) row per distinct name into out, in array order.
 */
void
wr_register_workflows(Jsonb *workflows, WrApiVersion api,
					  Tuplestorestate *out, TupleDesc outdesc)
{
	int			count;
	bool	   *repeat;
	WrItem	   *items;
	MemoryContext chunkcxt;
	MemoryContext oldcxt;
	int			next = 0;

	if (!JB_ROOT_IS_ARRAY(workflows) || JB_ROOT_IS_SCALAR(workflows))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("workflow definitions must be a JSON array"),
				 errdetail("create_workflows() takes an array of the objects that create_workflow() takes."),
				 errhint("Use create_workflow() for a single definition.")));

	count = JB_ROOT_COUNT(workflows);
	repeat = check_items(workflows, api);
	lock_product_types(workflows, api);
	items = palloc(WR_BULK_CHUNK * sizeof(WrItem));
	chunkcxt = AllocSetContextCreate(CurrentMemoryContext,
									 "workflow_registry bulk chunk",
									 ALLOCSET_DEFAULT_SIZES);

	while (next < count)
	{
		int			n = 0;

		MemoryContextReset(chunkcxt);
		oldcxt = MemoryContextSwitchTo(chunkcxt);
		for (; next < count && n < WR_BULK_CHUNK; next++)
		{
			if (repeat[next])
				continue;
			read_item(workflows, next, api, &items[n].def);
			items[n].index = next;
			items[n].registered = false;
			n++;
		}
		MemoryContextSwitchTo(oldcxt);

		/*
		 * A connection per chunk: SPI allocates in its own context between
		 * calls, which SPI_finish() frees.
		 */
		if (n > 0)
		{
			SPI_connect();
			register_chunk(items, n, api, out, outdesc);
			SPI_finish();
		}
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(chunkcxt);
}
