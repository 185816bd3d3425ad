/*-------------------------------------------------------------------------
 *
 * spi.c
 *	  Kept plans for the statements of the extension, and the helpers
 *	  that build their parameters and read their results.
 *
 * A statement is prepared on first use in a backend and kept
 * (SPI_prepare + SPI_keepplan).  PostgreSQL revalidates a kept plan
 * whose objects changed, but a plan whose objects were dropped (DROP
 * EXTENSION, then CREATE EXTENSION in the same session) is prepared again
 * here from its text, so that nothing of the old objects is kept.  The
 * only statements that call back into the extension while they run are the
 * inserts into an attached products table, whose trigger (attach.c) runs
 * a statement of its own, never the one running: so a plan that is freed
 * here, found invalid or built for another attachment, is not in use.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "spi.h"
#include "tables.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/*
 * The kept plan of statement "which" for the given API version, prepared
 * now if need be.  The caller is connected to SPI.
 */
SPIPlanPtr
wr_kept_plan(WrStatements *statements, int which, WrApiVersion api)
{
	const WrStatement *st = &statements->statements[which];
	WrKeptPlans *kept = &statements->kept[which];
	SPIPlanPtr *slot;
	const char *schema = st->attached || st->tables ?
		wr_attached_schema() : NULL;

	Assert(which >= 0 && which < statements->nstatements);
	if (schema != NULL)
	{
		/* planned for this attachment, not one since detached */
		slot = &kept->attached;
		if (*slot != NULL && kept->attachment != wr_attachment_generation())
		{
			SPI_freeplan(*slot);
			*slot = NULL;
		}
		kept->attachment = wr_attachment_generation();
	}
	else
		slot = &kept->plans[st->build ? api : 0];

	if (*slot != NULL && !SPI_plan_is_valid(*slot))
	{
		SPI_freeplan(*slot);
		*slot = NULL;
	}
	if (*slot == NULL)
	{
		const char *sql;
		SPIPlanPtr	plan;
		WrUserContext saved;

		if (st->tables)
		{
			WrTables	tables = wr_registry_tables(schema);

			sql = st->tables(&tables);
		}
		else if (schema)
			sql = st->attached(schema);
		else
			sql = st->build ? st->build(api) : st->sql;
		if (sql == NULL)
			elog(ERROR, "statement %d is only for a registry attached to orchestrator-core",
				 which);

		/*
		 * Parse analysis and rewriting see orchestrator-core's tables too
		 * (their rules, their defaults), and the plan remembers the
		 * search_path it was made under: prepare as it will run.
		 */
		wr_enter_registry_owner(statements, which, &saved);
		plan = SPI_prepare(sql, st->nargs, (Oid *) st->argtypes);
		wr_leave_owner(&saved);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*slot = plan;
	}
	return *slot;
}

/*
 * Run statement "which" with the given parameters (nulls as
 * SPI_execute_plan takes them, NULL for none), as the tables of the given
 * API version need it; the result is in SPI_tuptable and SPI_processed.
 * The caller is connected to SPI.
 */
void
wr_execute_versioned(WrStatements *statements, int which, WrApiVersion api,
					 Datum *values, const char *nulls)
{
	SPIPlanPtr	plan = wr_kept_plan(statements, which, api);
	WrUserContext saved;
	int			ret;

	wr_enter_registry_owner(statements, which, &saved);
	ret = SPI_execute_plan(plan, values, nulls,
						   statements->statements[which].read_only, 0);
	wr_leave_owner(&saved);

	if (ret < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));
}

/*
 * If statement "which" runs on an attached registry, become the owner of
 * its tables (wr_become_owner) until wr_leave_owner; an attachment
 * that cannot be used is an error first.
 */
void
wr_enter_registry_owner(WrStatements *statements, int which,
						WrUserContext *saved)
{
	const WrStatement *st = &statements->statements[which];
	const char *schema = st->attached || st->tables ?
		wr_attached_schema() : NULL;

	saved->switched = false;
	if (schema == NULL)
		return;
	wr_check_attachment_usable();
	wr_become_owner(wr_attached_owner(), schema, saved);
}

/* As wr_execute_versioned, for a statement whose text is fixed. */
void
wr_execute(WrStatements *statements, int which, Datum *values,
		   const char *nulls)
{
	Assert(statements->statements[which].build == NULL);
	wr_execute_versioned(statements, which, WR_API_1_0, values, nulls);
}

/* A text parameter, or a NULL one for a NULL pointer. */
Datum
wr_text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
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

/* As wr_field_array, a boolean[] of one bool field. */
Datum
wr_bool_field_array(const void *structs, size_t size, int n, size_t offset)
{
	Datum	   *elems = palloc(Max(n, 1) * sizeof(Datum));

	for (int i = 0; i < n; i++)
		elems[i] = BoolGetDatum(*(const bool *) ((const char *) structs +
												 i * size + offset));
	return PointerGetDatum(construct_array(elems, n, BOOLOID, 1, true,
										   TYPALIGN_CHAR));
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

/* An int8 column; 0 for NULL (a count over no rows). */
int64
wr_get_int8(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/* A uuid column that is not NULL, copied into *id. */
void
wr_get_uuid(HeapTuple tup, TupleDesc desc, int col, pg_uuid_t *id)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	Assert(!isnull);
	memcpy(id, DatumGetUUIDP(d), sizeof(pg_uuid_t));
}

/* An int8 column of the first result row; 0 for NULL. */
int64
wr_result_int8(int col)
{
	return wr_get_int8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
}

/* A column of the first result row as text, in SPI's memory; NULL for NULL. */
char *
wr_result_text(int col)
{
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
}

/* As wr_result_text, copied into the memory of the caller of SPI_connect(). */
char *
wr_result_text_copy(int col)
{
	char	   *v = wr_result_text(col);

	return v ? strcpy(SPI_palloc(strlen(v) + 1), v) : NULL;
}

/*
 * A column of the first result row that is not NULL, copied into the
 * memory of the caller of SPI_connect().
 */
Datum
wr_result_datum_copy(int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
								  col, &isnull);

	Assert(!isnull);
	return SPI_datumTransfer(d, false, -1);
}
