/*-------------------------------------------------------------------------
 *
 * spi.h
 *	  The statements of the extension, their kept plans, and the helpers
 *	  that pass values to them and read their results.
 *
 * Every module keeps its statements in one table indexed by an enum, with
 * designated initialisers:
 *
 *	 static const WrStatement registry_sql[] = {
 *		 [REG_DELETE_WORKFLOW] = {
 *			 .sql = "DELETE FROM workflow_registry.workflows ...",
 *			 .nargs = 1, .argtypes = {TEXTOID},
 *		 },
 *		 ...
 *	 };
 *	 static WrStatements registry = WR_STATEMENTS(registry_sql);
 *
 *	 wr_execute(&registry, REG_DELETE_WORKFLOW, values, nulls);
 *
 * A statement whose text depends on the tables of the installed SQL
 * version gives .build instead of .sql, gets one plan per version, and
 * runs with wr_execute_versioned().
 *
 * A statement that reads or writes the registry also gives .attached, which
 * builds its text for a registry attached to orchestrator-core's tables
 * (tables.h); while the database is attached that text is planned and run
 * instead, whatever the API version.  A statement without it names only
 * the extension's own objects and is run as it is in both cases.  A
 * statement whose text is the same in both but for the tables' names gives
 * .tables instead of all three: one text over the resolved tables.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_SPI_H
#define WR_SPI_H

#include "api.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "tables.h"
#include "utils/uuid.h"

#define WR_MAX_STATEMENT_ARGS 24

typedef struct WrStatement
{
	const char *sql;
	char	   *(*build) (WrApiVersion api);	/* instead of sql */
	char	   *(*attached) (const char *schema);	/* while attached */
	char	   *(*tables) (const WrTables *tables); /* instead of all three */
	int			nargs;
	Oid			argtypes[WR_MAX_STATEMENT_ARGS];
	bool		read_only;		/* as SPI_execute_plan() takes it */
} WrStatement;

/*
 * The plans kept for one statement: one, or one per API version; and the
 * one for the attached registry, with the attachment it was built for.
 */
typedef struct WrKeptPlans
{
	SPIPlanPtr	plans[WR_NUM_API_VERSIONS];
	SPIPlanPtr	attached;
	uint64		attachment;
} WrKeptPlans;

/* A module's table of statements and the plans kept for them. */
typedef struct WrStatements
{
	const WrStatement *statements;
	int			nstatements;
	WrKeptPlans *kept;
} WrStatements;

#define WR_STATEMENTS(table) \
	{(table), lengthof(table), (WrKeptPlans[lengthof(table)]) {{{NULL}}}}

extern SPIPlanPtr wr_kept_plan(WrStatements *statements, int which,
						  WrApiVersion api);

/*
 * A statement with .attached runs, while attached, as the owner of
 * orchestrator-core's tables (tables.h): wr_execute does this itself and
 * wr_kept_plan prepares such a statement the same way; a caller that runs a
 * kept plan in another way brackets it with wr_enter_registry_owner and
 * wr_leave_owner.
 */
extern void wr_enter_registry_owner(WrStatements *statements, int which,
									WrUserContext *saved);
extern void wr_execute(WrStatements *statements, int which,
					   Datum *values, const char *nulls);
extern void wr_execute_versioned(WrStatements *statements, int which,
								 WrApiVersion api, Datum *values,
								 const char *nulls);

/* Parameters */
extern Datum wr_text_or_null(const char *s, char *null);
extern Datum wr_text_array(const char *const *strings, int n);
extern Datum wr_field_array(const void *structs, size_t size, int n,
							size_t offset);
extern Datum wr_bool_field_array(const void *structs, size_t size, int n,
								 size_t offset);
extern Datum wr_list_array(List *list, Oid elemtype);

/* Results: a column of a row, or of the first row of SPI_tuptable */
extern int64 wr_get_int8(HeapTuple tup, TupleDesc desc, int col);
extern void wr_get_uuid(HeapTuple tup, TupleDesc desc, int col,
						pg_uuid_t *id);
extern int64 wr_result_int8(int col);
extern char *wr_result_text(int col);
extern char *wr_result_text_copy(int col);
extern Datum wr_result_datum_copy(int col);

#endif							/* WR_SPI_H */
