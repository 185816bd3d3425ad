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
 * With dry_run the rows are only reported.  Otherwise, if no row is
 * rejected, the import and the links it implies are written as one data
 * migration in the ledger, "import-<schema>-<n>", that revert_migration()
 * undoes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "import.h"
#include "ledger.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "notify.h"
#include "registry.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

/*
 * The classification; %1$s is the quoted source schema, %2$s the source's
 * is_task expression, %3$s its deleted_at expression.  Columns: kind, name,
 * id, action, reason, and for workflows the product_type and product_tag
 * they get.
 */
static const char *classify_sql =
"WITH src_products AS ("
" SELECT p.product_id AS id, p.name::pg_catalog.text AS name,"
" p.description::pg_catalog.text AS description,"
" p.product_type::pg_catalog.text AS product_type, p.tag::pg_catalog.text AS tag,"
" p.status::pg_catalog.text AS status, p.created_at, p.end_date"
" FROM %1$s.products AS p),"
" product_rows AS ("
" SELECT sp.*,"
" EXISTS (SELECT FROM workflow_registry.products AS rp"
" WHERE rp.product_id OPERATOR(pg_catalog.=) sp.id AND rp.name OPERATOR(pg_catalog.=) sp.name"
" AND rp.description OPERATOR(pg_catalog.=) sp.description"
" AND rp.product_type OPERATOR(pg_catalog.=) sp.product_type"
" AND rp.tag OPERATOR(pg_catalog.=) sp.tag AND rp.status OPERATOR(pg_catalog.=) sp.status) AS present,"
" CASE"
" WHEN sp.name IS NULL OR pg_catalog.char_length(sp.name) OPERATOR(pg_catalog.>) 255"
" OR sp.name OPERATOR(pg_catalog.=) '' THEN 'its name must have 1 to 255 characters'"
" WHEN sp.description IS NULL OR sp.description OPERATOR(pg_catalog.=) ''"
" THEN 'it has no description'"
" WHEN sp.product_type IS NULL OR sp.product_type OPERATOR(pg_catalog.=) ''"
" OR pg_catalog.char_length(sp.product_type) OPERATOR(pg_catalog.>) 255"
" THEN 'its product_type must have 1 to 255 characters'"
" WHEN sp.tag IS NULL OR sp.tag OPERATOR(pg_catalog.=) ''"
" OR pg_catalog.char_length(sp.tag) OPERATOR(pg_catalog.>) 20"
" THEN 'its tag must have 1 to 20 characters'"
" WHEN sp.status IS NULL OR sp.status OPERATOR(pg_catalog.<>) ALL"
" ('{active,\"pre production\",\"phase out\",\"end of life\"}'::pg_catalog.text[])"
" THEN pg_catalog.format('its status %%L is not active, pre production, phase out or end of life', sp.status)"
" END AS problem"
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
" FROM %1$s.products_workflows AS pw"
" LEFT JOIN src_products AS sp ON sp.id OPERATOR(pg_catalog.=) pw.product_id"
" LEFT JOIN product_rows2 AS pr ON pr.id OPERATOR(pg_catalog.=) pw.product_id),"
" src_workflows AS ("
" SELECT w.workflow_id AS id, w.name::pg_catalog.text AS name,"
" w.target::pg_catalog.text AS target, w.description::pg_catalog.text AS description,"
" w.created_at, %2$s AS is_task, %3$s AS deleted_at"
" FROM %1$s.workflows AS w),"
" wf AS ("
" SELECT w.*, l.* FROM src_workflows AS w, LATERAL ("
" SELECT pg_catalog.count(*) AS nlinks,"
" pg_catalog.count(*) FILTER (WHERE NOT sl.product_exists) AS dangling,"
" pg_catalog.count(*) FILTER (WHERE sl.product_reason IS NOT NULL) AS rejected_products,"
" pg_catalog.count(DISTINCT sl.product_type) AS ntypes,"
" pg_catalog.min(sl.product_type) AS linked_type,"
" pg_catalog.count(DISTINCT sl.tag) AS ntags, pg_catalog.min(sl.tag) AS linked_tag,"
" pg_catalog.array_agg(sl.product_id ORDER BY sl.product_id) AS linked"
" FROM src_links AS sl WHERE sl.workflow_id OPERATOR(pg_catalog.=) w.id) AS l),"
" wf2 AS ("
" SELECT wf.*,"
" (SELECT pg_catalog.array_agg(pa.id ORDER BY pa.id) FROM products_after AS pa"
" WHERE pa.product_type OPERATOR(pg_catalog.=) wf.linked_type) AS all_of_type,"
" (SELECT pg_catalog.array_agg(pa.id ORDER BY pa.id) FROM products_after AS pa"
" WHERE pa.product_type OPERATOR(pg_catalog.=) wf.linked_type"
" AND pa.tag OPERATOR(pg_catalog.=) wf.linked_tag) AS all_of_tag"
" FROM wf),"
" wf3 AS ("
" SELECT wf2.*,"
" CASE WHEN wf2.nlinks OPERATOR(pg_catalog.>) 0 THEN wf2.linked_type END AS product_type,"
" CASE WHEN wf2.nlinks OPERATOR(pg_catalog.>) 0"
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
" AND rw.is_task OPERATOR(pg_catalog.=) wf3.is_task) AS present,"
" CASE"
" WHEN wf3.deleted_at IS NOT NULL THEN 'it is soft-deleted'"
" WHEN wf3.name IS NULL OR pg_catalog.char_length(wf3.name) OPERATOR(pg_catalog.>) 255"
" OR wf3.name OPERATOR(pg_catalog.!~) '^[A-Za-z_][A-Za-z0-9_]*$'"
" THEN 'its name is not an identifier of at most 255 characters'"
" WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_enum AS e"
" WHERE e.enumtypid OPERATOR(pg_catalog.=) 'workflow_registry.target'::pg_catalog.regtype"
" AND e.enumlabel::pg_catalog.text OPERATOR(pg_catalog.=) wf3.target)"
" THEN pg_catalog.format('its target %%L is not a label of workflow_registry.target', wf3.target)"
" WHEN wf3.description IS NULL OR wf3.description OPERATOR(pg_catalog.=) ''"
" THEN 'it has no description'"
" WHEN wf3.dangling OPERATOR(pg_catalog.>) 0 THEN 'it is linked to a product that does not exist'"
" WHEN wf3.rejected_products OPERATOR(pg_catalog.>) 0"
" THEN 'it is linked to a product that cannot be imported'"
" WHEN wf3.nlinks OPERATOR(pg_catalog.=) 0 AND NOT wf3.is_task"
" THEN 'it is linked to no product and is not a task'"
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
" reason, product_type, NULL::pg_catalog.text"
" FROM product_rows2"
" UNION ALL"
" SELECT CASE WHEN is_task AND product_type IS NULL THEN 'task' ELSE 'workflow' END, name, id,"
" CASE WHEN deleted_at IS NOT NULL THEN 'skip' WHEN reason IS NOT NULL THEN 'reject'"
" WHEN present THEN 'present' ELSE 'import' END,"
" reason, product_type, product_tag"
" FROM workflow_rows2"
" ORDER BY 1, 2, 3";

/* Write the rows classified "import": $1 product ids, $2 workflow ids,
 * $3 their product types, $4 their product tags.  Returns the undo list and
 * what was touched, as jsonb and text[]. */
static const char *import_sql =
"WITH products_in AS ("
" INSERT INTO workflow_registry.products"
" (product_id, name, description, product_type, tag, status, created_at, end_date)"
" SELECT p.product_id, p.name, p.description, p.product_type, p.tag, p.status,"
" p.created_at, p.end_date"
" FROM %1$s.products AS p WHERE p.product_id OPERATOR(pg_catalog.=) ANY ($1)"
" RETURNING product_id, name, product_type),"
" wanted AS ("
" SELECT * FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4))"
" AS x(id, product_type, product_tag)),"
" workflows_in AS ("
" INSERT INTO workflow_registry.workflows"
" (workflow_id, name, target, description, product_type, created_at, is_task, product_tag)"
" SELECT w.workflow_id, w.name, w.target::pg_catalog.text::workflow_registry.target,"
" w.description, x.product_type, w.created_at, %2$s, x.product_tag"
" FROM %1$s.workflows AS w JOIN wanted AS x ON x.id OPERATOR(pg_catalog.=) w.workflow_id"
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

/* Then the links the registry's rule gives every imported row. */
static const char *link_sql =
"INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)"
" SELECT p.product_id, w.workflow_id"
" FROM workflow_registry.products AS p JOIN workflow_registry.workflows AS w"
" ON w.product_type OPERATOR(pg_catalog.=) p.product_type"
" AND (w.product_tag IS NULL OR w.product_tag OPERATOR(pg_catalog.=) p.tag)"
" WHERE p.product_id OPERATOR(pg_catalog.=) ANY ($1)"
" OR w.workflow_id OPERATOR(pg_catalog.=) ANY ($2)"
" ON CONFLICT DO NOTHING";

static Oid	import_args[] = {UUIDARRAYOID, UUIDARRAYOID, TEXTARRAYOID,
TEXTARRAYOID};

/* The source table's OID, after checking that the caller may read it. */
static Oid
source_table(Oid nspid, const char *schema, const char *table)
{
	Oid			relid = get_relname_relid(table, nspid);
	AclResult	aclresult;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist", schema, table),
				 errdetail("import_orchestrator_core() reads orchestrator-core's tables products, workflows and products_workflows."),
				 errhint("Pass the schema that holds orchestrator-core's tables as source_schema.")));

	/* we run as the extension's owner: check the caller's right to read */
	aclresult = pg_class_aclcheck(relid, GetOuterUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, table);
	return relid;
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

static int
compare_strings(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

/*
 * import_orchestrator_core(): see the file header.  Puts one row per
 * source row into out: kind, name, action, reason.
 */
void
wr_import_orchestrator_core(const char *schema, bool dry_run,
							Tuplestorestate *out, TupleDesc outdesc)
{
	TimestampTz started = GetCurrentTimestamp();
	Oid			nspid = get_namespace_oid(schema, false);
	Oid			workflows_relid;
	const char *quoted = quote_identifier(schema);
	const char *is_task;
	const char *deleted_at;
	List	   *import_products = NIL;
	List	   *import_workflows = NIL;
	List	   *workflow_types = NIL;
	List	   *workflow_tags = NIL;
	List	   *types = NIL;
	int			rejected = 0;
	char	   *first_reject = NULL;
	SPITupleTable *rows;
	AclResult	aclresult;

#if PG_VERSION_NUM >= 160000
	aclresult = object_aclcheck(NamespaceRelationId, nspid, GetOuterUserId(),
								ACL_USAGE);
#else
	aclresult = pg_namespace_aclcheck(nspid, GetOuterUserId(), ACL_USAGE);
#endif
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_SCHEMA, schema);
	(void) source_table(nspid, schema, "products");
	workflows_relid = source_table(nspid, schema, "workflows");
	(void) source_table(nspid, schema, "products_workflows");

	/* releases before 4.0 have no is_task, before 2.0.1 no deleted_at */
	is_task = get_attnum(workflows_relid, "is_task") != InvalidAttrNumber ?
		"w.is_task" : "false";
	deleted_at = get_attnum(workflows_relid, "deleted_at") != InvalidAttrNumber ?
		"w.deleted_at" : "NULL::pg_catalog.timestamptz";

	SPI_connect();
	if (!dry_run)
		wr_lock_ledger();
	if (SPI_execute(psprintf(classify_sql, quoted, is_task, deleted_at),
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "import classification failed");
	rows = SPI_tuptable;

	for (uint64 r = 0; r < rows->numvals; r++)
	{
		HeapTuple	tup = rows->vals[r];
		TupleDesc	desc = rows->tupdesc;
		char	   *kind = SPI_getvalue(tup, desc, 1);
		char	   *action = SPI_getvalue(tup, desc, 4);
		Datum		row[4];
		bool		nulls[4];
		bool		isnull;

		row[0] = SPI_getbinval(tup, desc, 1, &nulls[0]);
		row[1] = SPI_getbinval(tup, desc, 2, &nulls[1]);
		row[2] = SPI_getbinval(tup, desc, 4, &nulls[2]);
		row[3] = SPI_getbinval(tup, desc, 5, &nulls[3]);
		tuplestore_putvalues(out, outdesc, row, nulls);

		if (strcmp(action, "reject") == 0)
		{
			if (rejected++ == 0)
				first_reject = psprintf("%s \"%s\": %s", kind,
										SPI_getvalue(tup, desc, 2),
										SPI_getvalue(tup, desc, 5));
		}
		else if (strcmp(action, "import") == 0)
		{
			Datum		id = SPI_getbinval(tup, desc, 3, &isnull);
			char	   *type = SPI_getvalue(tup, desc, 6);

			if (type)
				types = lappend(types, type);
			if (strcmp(kind, "product") == 0)
			{
				import_products = lappend(import_products, DatumGetPointer(id));
				continue;
			}
			import_workflows = lappend(import_workflows, DatumGetPointer(id));
			workflow_types = lappend(workflow_types, type);
			workflow_tags = lappend(workflow_tags, SPI_getvalue(tup, desc, 7));
		}
	}

	if (dry_run || (import_products == NIL && import_workflows == NIL && rejected == 0))
	{
		SPI_finish();
		return;
	}
	if (rejected > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_plural("%d row of schema \"%s\" cannot be imported as it is",
							   "%d rows of schema \"%s\" cannot be imported as they are",
							   rejected, rejected, schema),
				 errdetail("The first is %s.", first_reject),
				 errhint("Run import_orchestrator_core(%s) with dry_run => true to see every row and its reason, correct those rows, and import again.",
						 quote_literal_cstr(schema))));

	{
		Datum		values[4];
		HeapTuple	tup;
		TupleDesc	desc;
		Datum		d;
		bool		isnull;
		List	   *undo;
		List	   *touched;
		int64		nproducts;
		int64		nworkflows;
		char	   *version;
		ListCell   *lc;

		/*
		 * The types of the imported rows, as create_product() locks them,
		 * in a fixed order.
		 */
		list_sort(types, compare_strings);
		foreach(lc, types)
		{
			if (foreach_current_index(lc) == 0 ||
				strcmp(lfirst(lc), list_nth(types, foreach_current_index(lc) - 1)) != 0)
				wr_lock_product_type((char *) lfirst(lc), ExclusiveLock);
		}

		values[0] = wr_list_array(import_products, UUIDOID);
		values[1] = wr_list_array(import_workflows, UUIDOID);
		values[2] = wr_text_array(list_strings(workflow_types), list_length(workflow_types));
		values[3] = wr_text_array(list_strings(workflow_tags), list_length(workflow_tags));
		if (SPI_execute_with_args(psprintf(import_sql, quoted, is_task), 4,
								  import_args, values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "import failed");
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

		if (SPI_execute_with_args(link_sql, 2, import_args, values, NULL,
								  false, 0) != SPI_OK_INSERT)
			elog(ERROR, "import links failed");

		/* the n-th import from this schema */
		{
			Oid			argtypes[1] = {TEXTOID};
			Datum		pattern[1];

			pattern[0] = CStringGetTextDatum(psprintf("import-%s-", schema));
			if (SPI_execute_with_args("SELECT pg_catalog.count(*) OPERATOR(pg_catalog.+) 1"
									  " FROM workflow_registry.migrations"
									  " WHERE pg_catalog.starts_with(version, $1)",
									  1, argtypes, pattern, NULL, true, 1) != SPI_OK_SELECT)
				elog(ERROR, "import version failed");
			version = psprintf("import-%s-%s", schema,
							   SPI_getvalue(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1));
		}

		{
			StringInfoData steps;

			initStringInfo(&steps);
			appendStringInfo(&steps,
							 "[{\"import_orchestrator_core\": {\"source_schema\": ");
			escape_json(&steps, schema);
			appendStringInfo(&steps, ", \"products\": " INT64_FORMAT
							 ", \"workflows\": " INT64_FORMAT "}}]",
							 nproducts, nworkflows);
			wr_record_migration(version,
								psprintf("Import of orchestrator-core's registry from schema %s",
										 quoted),
								construct_empty_array(TEXTOID),
								DirectFunctionCall1(jsonb_in, CStringGetDatum(steps.data)),
								undo, touched, started);
		}
	}
	SPI_finish();
}
