/*-------------------------------------------------------------------------
 *
 * import.c
 *	  import_orchestrator_core(): adopt an existing orchestrator-core
 *	  registry, ids included.
 *
 * The source is orchestrator-core's own products, workflows and
 * products_workflows in one schema, of any release since workflows had no
 * is_task (is_task and deleted_at are used when the columns exist).  One
 * statement classifies every source row against the checks the registry
 * makes and against the rows already registered:
 *
 *	 import		taken as it is
 *	 present	already registered, identical: nothing to do
 *	 skip		soft-deleted upstream: not taken
 *	 reject		cannot be taken as it is; the reason says why
 *
 * orchestrator-core stores no product type on a workflow: it is the type of
 * the products the workflow is linked to, and the links must be all the
 * products of that type (or, with a product_tag, all those of one tag),
 * since the registry links a workflow to exactly those.
 *
 * The source is named by the caller and belongs to whoever the caller is,
 * while this function runs as the extension's owner.  So nothing of the
 * source is evaluated with the owner's rights: each table must be a plain
 * table, without row security and without inheritance children, whose
 * columns have exactly the built-in types orchestrator-core gives them
 * (uuid, varchar or text, timestamptz, boolean), so that reading it runs no
 * code of anyone's; and it is read as the calling role, in a
 * security-restricted operation, as core's RI checks read a referenced
 * table.  Its rows are copied into arrays, and only those arrays, values of
 * built-in types, reach the statements that classify and write as the owner.
 *
 * With dry_run the rows are only reported.  Otherwise, if no row is
 * rejected, the import and the links it implies are written as one data
 * migration in the ledger, "import-<schema>-<n>", that revert_migration()
 * undoes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "api.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "definition.h"
#include "executor/spi.h"
#include "import.h"
#include "ledger.h"
#include "lib/stringinfo.h"
#include "links.h"
#include "miscadmin.h"
#include "notify.h"
#include "shapes.h"
#include "spi.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/*
 * The statements' first parameters: the source columns, then $18 and $19,
 * for each product and each workflow the rule of a definition it breaks,
 * if any (wr_product_row_problem, wr_workflow_row_problem: the C rules
 * create_product and create_workflow validate with).
 */
#define NUM_SOURCE_ARGS (WR_NUM_CORE_COLUMNS + 2)

/* The source rows, as the classification and the import statements see
 * them. */
#define SOURCE_ROWS \
"src_products AS (" \
" SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)," \
" pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5)," \
" pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8)," \
" pg_catalog.unnest($18))" \
" AS p(id, name, description, product_type, tag, status, created_at, end_date, problem))," \
" src_link_rows AS (" \
" SELECT * FROM ROWS FROM (pg_catalog.unnest($9), pg_catalog.unnest($10))" \
" AS pw(product_id, workflow_id))," \
" src_workflows AS (" \
" SELECT * FROM ROWS FROM (pg_catalog.unnest($11), pg_catalog.unnest($12)," \
" pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15)," \
" pg_catalog.unnest($16), pg_catalog.unnest($17), pg_catalog.unnest($19))" \
" AS w(id, name, target, description, created_at, is_task, deleted_at, own_problem))"

/*
 * The classification.  Columns: kind, name, id, action, reason, and for
 * workflows the product_type and product_tag they get and whether it is a
 * default workflow.  From 1.8 a workflow linked to every product the
 * registry will have, of more than one product type, is taken as a
 * default workflow (orchestrator-core's modify_note); before, it has
 * "several product types".  The %s are the parts that differ.
 */
static const char classify_sql[] =
"WITH " SOURCE_ROWS ","
" product_rows AS ("
" SELECT sp.*,"
" EXISTS (SELECT FROM workflow_registry.products AS rp"
" WHERE rp.product_id OPERATOR(pg_catalog.=) sp.id AND rp.name OPERATOR(pg_catalog.=) sp.name"
" AND rp.description OPERATOR(pg_catalog.=) sp.description"
" AND rp.product_type OPERATOR(pg_catalog.=) sp.product_type"
" AND rp.tag OPERATOR(pg_catalog.=) sp.tag AND rp.status OPERATOR(pg_catalog.=) sp.status) AS present"
" FROM src_products AS sp),"
" product_rows2 AS ("
" SELECT pr.*, COALESCE(pr.problem, CASE WHEN NOT pr.present AND EXISTS ("
" SELECT FROM workflow_registry.products AS rp"
" WHERE rp.name OPERATOR(pg_catalog.=) pr.name OR rp.product_id OPERATOR(pg_catalog.=) pr.id)"
" THEN 'a different product with its name or id is registered' END) AS reason"
" FROM product_rows AS pr),"
" products_after AS ("
" SELECT rp.product_id AS id, rp.product_type::pg_catalog.text AS product_type,"
" rp.tag::pg_catalog.text AS tag FROM workflow_registry.products AS rp"
" UNION ALL SELECT id, product_type, tag FROM product_rows2"
" WHERE reason IS NULL AND NOT present),"
" src_links AS ("
" SELECT pw.workflow_id, pw.product_id, sp.id IS NOT NULL AS product_exists,"
" sp.product_type, sp.tag, pr.reason AS product_reason"
" FROM src_link_rows AS pw"
" LEFT JOIN src_products AS sp ON sp.id OPERATOR(pg_catalog.=) pw.product_id"
" LEFT JOIN product_rows2 AS pr ON pr.id OPERATOR(pg_catalog.=) pw.product_id),"
" link_stats AS ("
" SELECT sl.workflow_id, pg_catalog.count(*) AS nlinks,"
" pg_catalog.count(*) FILTER (WHERE NOT sl.product_exists) AS dangling,"
" pg_catalog.count(*) FILTER (WHERE sl.product_reason IS NOT NULL) AS rejected_products,"
" pg_catalog.count(DISTINCT sl.product_type) AS ntypes,"
" pg_catalog.min(sl.product_type) AS linked_type,"
" pg_catalog.count(DISTINCT sl.tag) AS ntags, pg_catalog.min(sl.tag) AS linked_tag,"
" pg_catalog.array_agg(sl.product_id ORDER BY sl.product_id) AS linked"
" FROM src_links AS sl GROUP BY sl.workflow_id),"
" wf AS ("
" SELECT w.*, COALESCE(ls.nlinks, 0) AS nlinks, COALESCE(ls.dangling, 0) AS dangling,"
" COALESCE(ls.rejected_products, 0) AS rejected_products, COALESCE(ls.ntypes, 0) AS ntypes,"
" ls.linked_type, COALESCE(ls.ntags, 0) AS ntags, ls.linked_tag, ls.linked"
" FROM src_workflows AS w LEFT JOIN link_stats AS ls"
" ON ls.workflow_id OPERATOR(pg_catalog.=) w.id),"
" type_sets AS ("
" SELECT pa.product_type, pg_catalog.array_agg(pa.id ORDER BY pa.id) AS ids"
" FROM products_after AS pa GROUP BY pa.product_type),"
" tag_sets AS ("
" SELECT pa.product_type, pa.tag, pg_catalog.array_agg(pa.id ORDER BY pa.id) AS ids"
" FROM products_after AS pa GROUP BY pa.product_type, pa.tag),"
" wf2 AS ("
" SELECT wf.*, ts.ids AS all_of_type, gs.ids AS all_of_tag, %s AS is_default"
" FROM wf LEFT JOIN type_sets AS ts ON ts.product_type OPERATOR(pg_catalog.=) wf.linked_type"
" LEFT JOIN tag_sets AS gs ON gs.product_type OPERATOR(pg_catalog.=) wf.linked_type"
" AND gs.tag OPERATOR(pg_catalog.=) wf.linked_tag),"
" wf3 AS ("
" SELECT wf2.*,"
" CASE WHEN wf2.nlinks OPERATOR(pg_catalog.>) 0 AND NOT wf2.is_default"
" THEN wf2.linked_type END AS product_type,"
" CASE WHEN wf2.nlinks OPERATOR(pg_catalog.>) 0 AND NOT wf2.is_default"
" AND wf2.linked IS DISTINCT FROM wf2.all_of_type"
" THEN wf2.linked_tag END AS product_tag"
" FROM wf2),"
" workflow_rows AS ("
" SELECT wf3.*,"
" EXISTS (SELECT FROM workflow_registry.workflows AS rw"
" WHERE rw.workflow_id OPERATOR(pg_catalog.=) wf3.id AND rw.name OPERATOR(pg_catalog.=) wf3.name"
" AND rw.target::pg_catalog.text OPERATOR(pg_catalog.=) wf3.target"
" AND rw.description OPERATOR(pg_catalog.=) wf3.description"
" AND rw.product_type IS NOT DISTINCT FROM wf3.product_type"
" AND rw.product_tag IS NOT DISTINCT FROM wf3.product_tag"
" AND rw.is_task OPERATOR(pg_catalog.=) wf3.is_task%s) AS present,"
" CASE"
" WHEN wf3.deleted_at IS NOT NULL THEN 'it is soft-deleted'"
" WHEN wf3.own_problem IS NOT NULL THEN wf3.own_problem"
" WHEN wf3.dangling OPERATOR(pg_catalog.>) 0 THEN 'it is linked to a product that does not exist'"
" WHEN wf3.rejected_products OPERATOR(pg_catalog.>) 0"
" THEN 'it is linked to a product that cannot be imported'"
" WHEN wf3.nlinks OPERATOR(pg_catalog.=) 0 AND NOT wf3.is_task"
" THEN 'it is linked to no product and is not a task'"
" WHEN wf3.is_default THEN NULL"
" WHEN wf3.ntypes OPERATOR(pg_catalog.>) 1 THEN 'it is linked to products of several product types'"
" WHEN wf3.nlinks OPERATOR(pg_catalog.>) 0"
" AND wf3.linked IS DISTINCT FROM wf3.all_of_type"
" AND NOT (wf3.ntags OPERATOR(pg_catalog.=) 1 AND wf3.linked IS NOT DISTINCT FROM wf3.all_of_tag)"
" THEN pg_catalog.format('it is linked to only some of the products of type %%L, and not to all those of one tag', wf3.linked_type)"
" END AS problem"
" FROM wf3),"
" workflow_rows2 AS ("
" SELECT wr.*, COALESCE(wr.problem, CASE WHEN NOT wr.present AND EXISTS ("
" SELECT FROM workflow_registry.workflows AS rw"
" WHERE rw.name OPERATOR(pg_catalog.=) wr.name OR rw.workflow_id OPERATOR(pg_catalog.=) wr.id)"
" THEN 'a different workflow with its name or id is registered' END) AS reason"
" FROM workflow_rows AS wr)"
" SELECT 'product' AS kind, name, id,"
" CASE WHEN reason IS NOT NULL THEN 'reject' WHEN present THEN 'present' ELSE 'import' END,"
" reason, product_type, NULL::pg_catalog.text, false"
" FROM product_rows2"
" UNION ALL"
" SELECT CASE WHEN is_task AND product_type IS NULL THEN 'task' ELSE 'workflow' END, name, id,"
" CASE WHEN deleted_at IS NOT NULL THEN 'skip' WHEN reason IS NOT NULL THEN 'reject'"
" WHEN present THEN 'present' ELSE 'import' END,"
" reason, product_type, product_tag, is_default"
" FROM workflow_rows2"
" ORDER BY 1, 2, 3";

/* Write the rows classified "import": after the source rows, $20 product
 * ids, $21 workflow ids, $22 their product types, $23 their product tags,
 * and from 1.8 $24 whether they are default workflows (the %s).  Returns
 * the undo list and what was touched, as jsonb and text[]. */
static const char import_sql[] =
"WITH " SOURCE_ROWS ","
" products_in AS ("
" INSERT INTO workflow_registry.products"
" (product_id, name, description, product_type, tag, status, created_at, end_date)"
" SELECT p.id, p.name, p.description, p.product_type, p.tag, p.status,"
" p.created_at, p.end_date"
" FROM src_products AS p WHERE p.id OPERATOR(pg_catalog.=) ANY ($20)"
" RETURNING product_id, name, product_type),"
" wanted AS ("
" SELECT * FROM ROWS FROM (pg_catalog.unnest($21), pg_catalog.unnest($22), pg_catalog.unnest($23))"
" AS x(id, product_type, product_tag)),"
" workflows_in AS ("
" INSERT INTO workflow_registry.workflows"
" (workflow_id, name, target, description, product_type, created_at, is_task, product_tag%s)"
" SELECT w.id, w.name, w.target::workflow_registry.target,"
" w.description, x.product_type, w.created_at, w.is_task, x.product_tag%s"
" FROM src_workflows AS w JOIN wanted AS x ON x.id OPERATOR(pg_catalog.=) w.id"
" RETURNING workflow_id, name, product_type)"
" SELECT"
" (SELECT pg_catalog.array_agg(pg_catalog.jsonb_build_object('op', 'delete_product',"
" 'id', product_id, 'name', name, 'product_type', product_type)) FROM products_in),"
" (SELECT pg_catalog.array_agg(pg_catalog.jsonb_build_object('op', 'delete_workflow',"
" 'id', workflow_id, 'name', name, 'product_type', product_type)) FROM workflows_in),"
" (SELECT pg_catalog.array_agg(t ORDER BY t) FROM ("
" SELECT 'product:' OPERATOR(pg_catalog.||) name AS t FROM products_in"
" UNION SELECT 'workflow:' OPERATOR(pg_catalog.||) name FROM workflows_in"
" UNION SELECT 'product_type:' OPERATOR(pg_catalog.||) product_type FROM products_in"
" UNION SELECT 'product_type:' OPERATOR(pg_catalog.||) product_type FROM workflows_in"
" WHERE product_type IS NOT NULL) AS touched),"
" (SELECT pg_catalog.count(*) FROM products_in), (SELECT pg_catalog.count(*) FROM workflows_in)";

/* The source arrays' types, as the statements take them: see shapes.c. */
#define SOURCE_ARGTYPES \
	UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, \
	TEXTARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, \
	UUIDARRAYOID, UUIDARRAYOID, \
	UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, \
	TIMESTAMPTZARRAYOID, BOOLARRAYOID, TIMESTAMPTZARRAYOID, \
	TEXTARRAYOID, TEXTARRAYOID

enum
{
	IMPORT_CLASSIFY,
	IMPORT_WRITE,
	IMPORT_LINK,
	IMPORT_NUMBER
};

static char *
build_classify(WrApiVersion api)
{
	if (api < WR_API_1_8)
		return psprintf(classify_sql, "false", "");
	return psprintf(classify_sql,
					"(wf.ntypes OPERATOR(pg_catalog.>) 1 AND wf.linked OPERATOR(pg_catalog.=)"
					" (SELECT pg_catalog.array_agg(pa.id ORDER BY pa.id) FROM products_after AS pa))",
					" AND rw.is_default OPERATOR(pg_catalog.=) wf3.is_default");
}

static char *
build_import(WrApiVersion api)
{
	if (api < WR_API_1_8)
		return psprintf(import_sql, "", "");
	return psprintf(import_sql, ", is_default",
					", COALESCE(($24)[pg_catalog.array_position($21, w.id)], false)");
}

static char *
build_link(WrApiVersion api)
{
	return psprintf("INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
					" SELECT p.product_id, w.workflow_id"
					" FROM workflow_registry.products AS p JOIN workflow_registry.workflows AS w"
					" ON%s"
					" WHERE p.product_id OPERATOR(pg_catalog.=) ANY ($1)"
					" OR w.workflow_id OPERATOR(pg_catalog.=) ANY ($2)"
					" ON CONFLICT DO NOTHING",
					api >= WR_API_1_8 ?
					WR_LINK_RULE_1_8("p.product_type", "p.tag", "w.product_type",
									 "w.product_tag", "w.is_default") :
					WR_LINK_RULE("p.product_type", "p.tag", "w.product_type", "w.product_tag"));
}

static const WrStatement import_statements[] = {
	[IMPORT_CLASSIFY] = {
		.build = build_classify,
		.nargs = NUM_SOURCE_ARGS,
		.argtypes = {SOURCE_ARGTYPES},
		.read_only = true,
	},
	/* after the source arrays, $20 product ids, $21 workflow ids, $22 their
	 * product types, $23 their product tags */
	[IMPORT_WRITE] = {
		.build = build_import,
		.nargs = NUM_SOURCE_ARGS + 5,
		.argtypes = {SOURCE_ARGTYPES, UUIDARRAYOID, UUIDARRAYOID,
		TEXTARRAYOID, TEXTARRAYOID, BOOLARRAYOID},
	},
	/* the links the registry's rule gives every imported row: $1 the
	 * product ids, $2 the workflow ids imported */
	[IMPORT_LINK] = {
		.build = build_link,
		.nargs = 2,
		.argtypes = {UUIDARRAYOID, UUIDARRAYOID},
	},
	/* the number the next import from a schema gets: $1 "import-<schema>-" */
	[IMPORT_NUMBER] = {
		.sql = "SELECT pg_catalog.count(*) OPERATOR(pg_catalog.+) 1"
		" FROM workflow_registry.migrations"
		" WHERE pg_catalog.starts_with(version, $1)",
		.nargs = 1,
		.argtypes = {TEXTOID},
		.read_only = true,
	},
};

static WrStatements import = WR_STATEMENTS(import_statements);

/*
 * Read the open source table's columns, as the calling role in a
 * security-restricted operation, into one array per column, stored in
 * args.  The caller is connected to SPI; the arrays live in its memory.
 */
static void
read_source_table(Relation rel, const WrCoreTable *st,
				  const AttrNumber *attnums, Datum *args)
{
	StringInfoData sql;
	Oid			save_userid;
	int			save_sec_context;
	int			ret;
	uint64		nrows;
	int			col = 0;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (int c = 0; c < st->ncolumns; c++)
	{
		if (attnums[c] == InvalidAttrNumber)
			continue;
		if (col++ > 0)
			appendStringInfoString(&sql, ", ");
		appendStringInfoString(&sql, quote_identifier(st->columns[c].name));
	}
	appendStringInfo(&sql, " FROM ONLY %s",
					 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
												RelationGetRelationName(rel)));

	/*
	 * Read as the caller, as ri_triggers.c reads a referenced table as its
	 * owner.  There is nothing of anyone's to run (open_source_table saw to
	 * that); the switch makes the permission checks the caller's, and the
	 * restricted operation forbids whatever might still try to change the
	 * session.  An error restores the ids with the transaction's abort.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(GetOuterUserId(),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	ret = SPI_execute(sql.data, true, 0);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading %s failed: %s", RelationGetRelationName(rel),
			 SPI_result_code_string(ret));

	nrows = SPI_processed;
	col = 0;
	for (int c = 0; c < st->ncolumns; c++)
	{
		const WrCoreColumn *sc = &st->columns[c];
		Datum	   *elems = palloc(Max(nrows, 1) * sizeof(Datum));
		bool	   *nulls = palloc(Max(nrows, 1) * sizeof(bool));
		int			dims[1] = {(int) nrows};
		int			lbs[1] = {1};
		int16		typlen;
		bool		typbyval;
		char		typalign;

		if (attnums[c] != InvalidAttrNumber)
			col++;
		for (uint64 r = 0; r < nrows; r++)
		{
			if (attnums[c] == InvalidAttrNumber)
			{
				/* only is_task defaults to a value; deleted_at to NULL */
				nulls[r] = sc->type != BOOLOID;
				elems[r] = BoolGetDatum(false);
			}
			else
				elems[r] = SPI_getbinval(SPI_tuptable->vals[r],
										 SPI_tuptable->tupdesc, col, &nulls[r]);
		}
		/* varchar values are text values: their arrays are text[] */
		get_typlenbyvalalign(sc->type, &typlen, &typbyval, &typalign);
		args[c] = PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
													 sc->type, typlen, typbyval,
													 typalign));
	}
	SPI_freetuptable(SPI_tuptable);
}

/* The elements of a text[] source column as C strings, NULL for NULL. */
static char **
column_strings(Datum array, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;

	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, &nulls, n);
	out = palloc(Max(*n, 1) * sizeof(char *));
	for (int i = 0; i < *n; i++)
		out[i] = nulls[i] ? NULL : TextDatumGetCString(elems[i]);
	return out;
}

/*
 * For each source row, the rule of a definition it breaks, or NULL: a
 * text[] parameter.  columns are the table's arrays in SourceColumn order.
 */
static Datum
row_problems(const Datum *columns, bool workflows)
{
	int			n;
	const char **problems;

	if (workflows)
	{
		/* workflow_id, name, target, description, ... */
		char	  **name = column_strings(columns[1], &n);
		char	  **target = column_strings(columns[2], &n);
		char	  **description = column_strings(columns[3], &n);

		problems = palloc(Max(n, 1) * sizeof(char *));
		for (int i = 0; i < n; i++)
			problems[i] = wr_workflow_row_problem(name[i], target[i], description[i]);
	}
	else
	{
		/* product_id, name, description, product_type, tag, status, ... */
		char	  **name = column_strings(columns[1], &n);
		char	  **description = column_strings(columns[2], &n);
		char	  **product_type = column_strings(columns[3], &n);
		char	  **tag = column_strings(columns[4], &n);
		char	  **status = column_strings(columns[5], &n);

		problems = palloc(Max(n, 1) * sizeof(char *));
		for (int i = 0; i < n; i++)
			problems[i] = wr_product_row_problem(name[i], description[i],
												 product_type[i], tag[i],
												 status[i]);
	}
	return wr_text_array(problems, n);
}

/*
 * Check the three source tables and read them into the statements' first
 * WR_NUM_CORE_COLUMNS parameters, and add the rows' problems.
 */
static void
read_source(Oid nspid, const char *schema, Datum *args)
{
	Relation	rels[WR_NUM_CORE_TABLES];
	AttrNumber	attnums[WR_NUM_CORE_TABLES][WR_MAX_CORE_COLUMNS];
	int			first = 0;

	/* every table is checked before any is read */
	for (int t = 0; t < WR_NUM_CORE_TABLES; t++)
		rels[t] = wr_open_core_table(nspid, schema, &wr_core_tables[t], attnums[t],
									"import_orchestrator_core()");
	for (int t = 0; t < WR_NUM_CORE_TABLES; t++)
	{
		read_source_table(rels[t], &wr_core_tables[t], attnums[t], args + first);
		first += wr_core_tables[t].ncolumns;
		table_close(rels[t], NoLock);
	}
	args[WR_NUM_CORE_COLUMNS] = row_problems(args, false);
	args[WR_NUM_CORE_COLUMNS + 1] = row_problems(args + WR_CORE_PRODUCT_COLUMNS + WR_CORE_LINK_COLUMNS,
												true);
}

/* The C strings of a list, as an array for wr_text_array. */
static const char **
list_strings(List *strings)
{
	const char **out = palloc(Max(list_length(strings), 1) * sizeof(char *));
	ListCell   *lc;

	foreach(lc, strings)
		out[foreach_current_index(lc)] = lfirst(lc);
	return out;
}

/* The elements of a jsonb[] or text[] (varlena) array, as a list. */
static List *
array_to_list(Datum d, bool isnull, Oid elemtype)
{
	List	   *out = NIL;
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (isnull)
		return NIL;
	deconstruct_array(DatumGetArrayTypeP(d), elemtype, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		out = lappend(out, DatumGetPointer(elems[i]));
	return out;
}

/* What the classification found, for the import that follows it. */
typedef struct ImportPlan
{
	List	   *products;		/* ids (pg_uuid_t *) of products to import */
	List	   *workflows;		/* ids of workflows and tasks to import */
	List	   *workflow_types; /* their product types (char *, or NULL) */
	List	   *workflow_tags;	/* their product tags (char *, or NULL) */
	List	   *workflow_defaults;	/* whether they are default workflows */
	bool		defaults;		/* any of them is */
	List	   *types;			/* every product type the import touches */
	int			rejected;
	char	   *first_reject;	/* "kind \"name\": reason" */
} ImportPlan;

/*
 * Classify the source rows held in args, put one row per source row into
 * out (kind, name, action, reason), and gather what an import writes.
 */
static void
classify(Datum *args, WrApiVersion api, Tuplestorestate *out,
		 TupleDesc outdesc, ImportPlan *plan)
{
	SPITupleTable *rows;

	wr_execute_versioned(&import, IMPORT_CLASSIFY, api, args, NULL);
	rows = SPI_tuptable;

	memset(plan, 0, sizeof(*plan));
	for (uint64 r = 0; r < rows->numvals; r++)
	{
		HeapTuple	tup = rows->vals[r];
		TupleDesc	desc = rows->tupdesc;
		char	   *kind = SPI_getvalue(tup, desc, 1);
		char	   *action = SPI_getvalue(tup, desc, 4);
		Datum		row[4];
		bool		nulls[4];
		bool		isnull;
		bool		is_default;

		row[0] = SPI_getbinval(tup, desc, 1, &nulls[0]);
		row[1] = SPI_getbinval(tup, desc, 2, &nulls[1]);
		row[2] = SPI_getbinval(tup, desc, 4, &nulls[2]);
		row[3] = SPI_getbinval(tup, desc, 5, &nulls[3]);
		tuplestore_putvalues(out, outdesc, row, nulls);

		if (strcmp(action, "reject") == 0)
		{
			if (plan->rejected++ == 0)
				plan->first_reject = psprintf("%s \"%s\": %s", kind,
											  SPI_getvalue(tup, desc, 2),
											  SPI_getvalue(tup, desc, 5));
		}
		else if (strcmp(action, "import") == 0)
		{
			Datum		id = SPI_getbinval(tup, desc, 3, &isnull);
			char	   *type = SPI_getvalue(tup, desc, 6);

			if (type)
				plan->types = lappend(plan->types, type);
			if (strcmp(kind, "product") == 0)
			{
				plan->products = lappend(plan->products, DatumGetPointer(id));
				continue;
			}
			plan->workflows = lappend(plan->workflows, DatumGetPointer(id));
			plan->workflow_types = lappend(plan->workflow_types, type);
			plan->workflow_tags = lappend(plan->workflow_tags,
										  SPI_getvalue(tup, desc, 7));
			is_default = DatumGetBool(SPI_getbinval(tup, desc, 8, &isnull));
			plan->workflow_defaults = lappend_int(plan->workflow_defaults,
												  is_default);
			plan->defaults |= is_default;
		}
	}
}

/*
 * Write the rows the plan imports and their links, and record them as the
 * data migration "import-<schema>-<n>".
 */
static void
write_import(const char *schema, Datum *args, WrApiVersion api,
			 const ImportPlan *plan, TimestampTz started)
{
	Datum		pattern[1];
	HeapTuple	tup;
	TupleDesc	desc;
	Datum		d;
	bool		isnull;
	List	   *undo;
	List	   *touched;
	WrTypeLock *locks = palloc(Max(list_length(plan->types), 1) *
							   sizeof(WrTypeLock));
	int64		nproducts;
	int64		nworkflows;
	char	   *version;
	StringInfoData steps;
	ListCell   *lc;

	/*
	 * The types of the imported rows, as create_product() locks them, after
	 * the ledger lock and before any row is written: the lock order of
	 * links.c, which is not the strcmp order this took them in before.
	 */
	foreach(lc, plan->types)
		locks[foreach_current_index(lc)] = (WrTypeLock) {lfirst(lc), ExclusiveLock};
	wr_lock_product_types(locks, list_length(plan->types));
	if (plan->defaults || plan->products != NIL)
		wr_lock_default_workflows(wr_default_lock_mode(plan->defaults,
													   plan->products != NIL),
								  true, api);

	args[NUM_SOURCE_ARGS] = wr_list_array(plan->products, UUIDOID);
	args[NUM_SOURCE_ARGS + 1] = wr_list_array(plan->workflows, UUIDOID);
	args[NUM_SOURCE_ARGS + 2] = wr_text_array(list_strings(plan->workflow_types),
											  list_length(plan->workflow_types));
	args[NUM_SOURCE_ARGS + 3] = wr_text_array(list_strings(plan->workflow_tags),
											  list_length(plan->workflow_tags));
	{
		Datum	   *defaults = palloc(Max(list_length(plan->workflow_defaults), 1) *
									  sizeof(Datum));

		foreach(lc, plan->workflow_defaults)
			defaults[foreach_current_index(lc)] = BoolGetDatum(lfirst_int(lc));
		args[NUM_SOURCE_ARGS + 4] =
			PointerGetDatum(construct_array(defaults,
											list_length(plan->workflow_defaults),
											BOOLOID, 1, true, TYPALIGN_CHAR));
	}
	wr_execute_versioned(&import, IMPORT_WRITE, api, args, NULL);
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	/* (a column and its null flag in separate statements: the order in
	 * which a call evaluates its arguments is unspecified) */
	d = SPI_getbinval(tup, desc, 1, &isnull);
	undo = array_to_list(d, isnull, JSONBOID);
	d = SPI_getbinval(tup, desc, 2, &isnull);
	undo = list_concat(undo, array_to_list(d, isnull, JSONBOID));
	d = SPI_getbinval(tup, desc, 3, &isnull);
	touched = array_to_list(d, isnull, TEXTOID);
	nproducts = DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
	nworkflows = DatumGetInt64(SPI_getbinval(tup, desc, 5, &isnull));
	wr_notify_change(WR_PRODUCT_CREATED, nproducts);
	wr_notify_change(WR_WORKFLOW_CREATED, nworkflows);

	wr_execute_versioned(&import, IMPORT_LINK, api, args + NUM_SOURCE_ARGS, NULL);

	/* the n-th import from this schema */
	pattern[0] = CStringGetTextDatum(psprintf("import-%s-", schema));
	wr_execute(&import, IMPORT_NUMBER, pattern, NULL);
	version = psprintf("import-%s-" INT64_FORMAT, schema, wr_result_int8(1));

	initStringInfo(&steps);
	appendStringInfo(&steps,
					 "[{\"import_orchestrator_core\": {\"source_schema\": ");
	escape_json(&steps, schema);
	appendStringInfo(&steps, ", \"products\": " INT64_FORMAT
					 ", \"workflows\": " INT64_FORMAT "}}]",
					 nproducts, nworkflows);
	wr_record_migration(version,
						psprintf("Import of orchestrator-core's registry from schema %s",
								 quote_identifier(schema)),
						construct_empty_array(TEXTOID),
						DirectFunctionCall1(jsonb_in, CStringGetDatum(steps.data)),
						undo, touched, started);
}

/*
 * import_orchestrator_core(): see the file header.  Puts one row per
 * source row into out: kind, name, action, reason.
 */
void
wr_import_orchestrator_core(const char *schema, bool dry_run,
							WrApiVersion api, Tuplestorestate *out,
							TupleDesc outdesc)
{
	TimestampTz started = GetCurrentTimestamp();
	Oid			nspid = get_namespace_oid(schema, false);
	Datum		args[NUM_SOURCE_ARGS + 5];
	ImportPlan	plan;

	wr_check_schema_usage(nspid, schema);

	SPI_connect();
	if (!dry_run)
		wr_lock_ledger();
	read_source(nspid, schema, args);
	classify(args, api, out, outdesc, &plan);

	if (!dry_run && plan.rejected > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_plural("%d row of schema \"%s\" cannot be imported as it is",
							   "%d rows of schema \"%s\" cannot be imported as they are",
							   plan.rejected, plan.rejected, schema),
				 errdetail("The first is %s.", plan.first_reject),
				 errhint("Run import_orchestrator_core(%s) with dry_run => true to see every row and its reason, correct those rows, and import again.",
						 quote_literal_cstr(schema))));
	if (!dry_run && (plan.products != NIL || plan.workflows != NIL))
		write_import(schema, args, api, &plan, started);
	SPI_finish();
}
