/*-------------------------------------------------------------------------
 *
 * shapes.c
 *	  orchestrator-core's registry tables as the extension accepts them:
 *	  their columns and types, and opening one without running anybody's
 *	  code.  The import reads them; attach puts the registry in them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "shapes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/*
 * The columns read from orchestrator-core's tables, in the order of the
 * statements' parameters: $1-$8 products, $9-$10 products_workflows,
 * $11-$17 workflows.  A text column may be varchar (orchestrator-core's) or
 * text (older releases).  An optional column is missing in older releases:
 * is_task before 4.0 (read as false), deleted_at before 2.0.1 (as NULL).
 */
static const WrCoreColumn product_columns[] = {
	{"product_id", UUIDOID}, {"name", TEXTOID}, {"description", TEXTOID},
	{"product_type", TEXTOID}, {"tag", TEXTOID}, {"status", TEXTOID},
	{"created_at", TIMESTAMPTZOID}, {"end_date", TIMESTAMPTZOID},
};
static const WrCoreColumn link_columns[] = {
	{"product_id", UUIDOID}, {"workflow_id", UUIDOID},
};
static const WrCoreColumn workflow_columns[] = {
	{"workflow_id", UUIDOID}, {"name", TEXTOID}, {"target", TEXTOID},
	{"description", TEXTOID}, {"created_at", TIMESTAMPTZOID},
	{"is_task", BOOLOID, true}, {"deleted_at", TIMESTAMPTZOID, true},
};

const WrCoreTable wr_core_tables[] = {
	{"products", product_columns, lengthof(product_columns)},
	{"products_workflows", link_columns, lengthof(link_columns)},
	{"workflows", workflow_columns, lengthof(workflow_columns)},
};

StaticAssertDecl(lengthof(product_columns) == WR_CORE_PRODUCT_COLUMNS &&
				 lengthof(link_columns) == WR_CORE_LINK_COLUMNS &&
				 lengthof(workflow_columns) == WR_CORE_WORKFLOW_COLUMNS &&
				 lengthof(wr_core_tables) == WR_NUM_CORE_TABLES,
				 "shapes.h counts the columns of shapes.c");

/*
 * Open one source table, after checking that the caller may read it and
 * that reading it runs no code: a plain table, no row security, no
 * inheritance children, and columns of exactly the types it should have.
 * Fills attnums with each column's number, or InvalidAttrNumber for an
 * optional column that is missing.  The lock is kept to the end of the
 * transaction, as a SELECT's would be.
 */
Relation
wr_open_core_table(Oid nspid, const char *schema, const WrCoreTable *st,
				   AttrNumber *attnums, const char *function)
{
	const char *hint = strcmp(function, "import_orchestrator_core()") == 0 ?
		"Copy the rows into plain tables of orchestrator-core's shape in a schema of their own, and import from that schema." :
		"Attach the schema that holds orchestrator-core's own tables, as its migrations create them.";

	Oid			relid = get_relname_relid(st->name, nspid);
	AclResult	aclresult;
	Relation	rel;
	TupleDesc	desc;
	const char *reason = NULL;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist", schema, st->name),
				 errdetail("%s reads orchestrator-core's tables products, workflows and products_workflows.", function),
				 errhint("Pass the schema that holds orchestrator-core's tables as source_schema.")));

	/* we run as the extension's owner: check the caller's right to read */
	aclresult = pg_class_aclcheck(relid, GetOuterUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, st->name);

	rel = table_open(relid, AccessShareLock);
	switch (rel->rd_rel->relkind)
	{
		case RELKIND_RELATION:
			break;
		case RELKIND_VIEW:
			reason = "a view";
			break;
		case RELKIND_MATVIEW:
			reason = "a materialized view";
			break;
		case RELKIND_FOREIGN_TABLE:
			reason = "a foreign table";
			break;
		case RELKIND_PARTITIONED_TABLE:
			reason = "a partitioned table";
			break;
		default:
			reason = "not a table";
			break;
	}
	if (reason == NULL && rel->rd_rel->relrowsecurity)
		reason = "a table with row-level security";
	if (reason == NULL && find_inheritance_children(relid, NoLock) != NIL)
		reason = "a table with inheritance children";
	if (reason != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s.%s\" is %s", schema, st->name, reason),
				 errdetail("%s runs as the extension's owner and reads only plain tables, whose rows it can read without running code that another role has written (a view's query, a policy, a foreign table's wrapper, the tables of a hierarchy).", function),
				 errhint("%s", hint)));

	desc = RelationGetDescr(rel);
	for (int c = 0; c < st->ncolumns; c++)
	{
		const WrCoreColumn *col = &st->columns[c];
		AttrNumber	attnum = get_attnum(relid, col->name);
		Form_pg_attribute att;

		attnums[c] = attnum;
		if (attnum == InvalidAttrNumber)
		{
			if (col->optional)
				continue;
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s.%s\" does not exist",
							col->name, schema, st->name),
					 errdetail("%s reads the columns orchestrator-core's tables have had since release 2.", function),
					 errhint("Pass the schema that holds orchestrator-core's tables as source_schema.")));
		}
		att = TupleDescAttr(desc, attnum - 1);
		if (!(att->atttypid == col->type ||
			  (col->type == TEXTOID && att->atttypid == VARCHAROID))
#ifdef ATTRIBUTE_GENERATED_VIRTUAL
			|| att->attgenerated == ATTRIBUTE_GENERATED_VIRTUAL
#endif
			)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of relation \"%s.%s\" is of type %s, not %s",
							col->name, schema, st->name,
							format_type_be(att->atttypid),
							col->type == TEXTOID ? "character varying or text" :
							format_type_be(col->type)),
					 errdetail("%s runs as the extension's owner and reads only the built-in types orchestrator-core's columns have: any other type (a domain, an enum, a type of another role's) could run its owner's code when its values are read, cast or compared.", function),
					 errhint("%s", hint)));
	}
	return rel;
}

/*
 * The functions run as the extension's owner: check that the caller may
 * use the schema it names.
 */
void
wr_check_schema_usage(Oid nspid, const char *schema)
{
	AclResult	aclresult;

#if PG_VERSION_NUM >= 160000
	aclresult = object_aclcheck(NamespaceRelationId, nspid, GetOuterUserId(),
								ACL_USAGE);
#else
	aclresult = pg_namespace_aclcheck(nspid, GetOuterUserId(), ACL_USAGE);
#endif
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_SCHEMA, schema);
}

/*
 * Open orchestrator-core's table "name" (products, products_workflows or
 * workflows) in a schema and check it as the import checks its source, for
 * the SQL function "function".  With all_columns, the optional columns of
 * older releases (is_task, deleted_at) must be there too.
 */
Relation
wr_open_orchestrator_table(Oid nspid, const char *schema, const char *name,
						   bool all_columns, const char *function)
{
	for (int t = 0; t < WR_NUM_CORE_TABLES; t++)
	{
		const WrCoreTable *st = &wr_core_tables[t];
		AttrNumber	attnums[WR_MAX_CORE_COLUMNS];
		Relation	rel;

		if (strcmp(st->name, name) != 0)
			continue;
		rel = wr_open_core_table(nspid, schema, st, attnums, function);
		for (int c = 0; all_columns && c < st->ncolumns; c++)
			if (attnums[c] == InvalidAttrNumber)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" of relation \"%s.%s\" does not exist",
								st->columns[c].name, schema, name),
						 errdetail("%s needs the tables of orchestrator-core 4.0 or later, whose workflows have is_task and deleted_at.", function),
						 errhint("Upgrade orchestrator-core's schema first (main.py db upgrade heads).")));
		return rel;
	}
	elog(ERROR, "unknown orchestrator-core table \"%s\"", name);
	return NULL;				/* keep compiler quiet */
}
