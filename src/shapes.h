/*-------------------------------------------------------------------------
 *
 * shapes.h
 *	  orchestrator-core's registry tables as the extension accepts them
 *	  (shapes.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_SHAPES_H
#define WR_SHAPES_H

#include "utils/relcache.h"

typedef struct WrCoreColumn
{
	const char *name;
	Oid			type;			/* TEXTOID: varchar or text */
	bool		optional;		/* missing in older releases */
} WrCoreColumn;

typedef struct WrCoreTable
{
	const char *name;
	const WrCoreColumn *columns;
	int			ncolumns;
} WrCoreTable;

/* products, products_workflows, workflows: in the order the import reads them */
extern const WrCoreTable wr_core_tables[];

#define WR_NUM_CORE_TABLES 3
#define WR_CORE_PRODUCT_COLUMNS 8
#define WR_CORE_LINK_COLUMNS 2
#define WR_CORE_WORKFLOW_COLUMNS 7
#define WR_MAX_CORE_COLUMNS WR_CORE_PRODUCT_COLUMNS
#define WR_NUM_CORE_COLUMNS \
	(WR_CORE_PRODUCT_COLUMNS + WR_CORE_LINK_COLUMNS + WR_CORE_WORKFLOW_COLUMNS)

extern Relation wr_open_core_table(Oid nspid, const char *schema,
								   const WrCoreTable *table,
								   AttrNumber *attnums, const char *function);
extern void wr_check_schema_usage(Oid nspid, const char *schema);
extern Relation wr_open_orchestrator_table(Oid nspid, const char *schema,
										   const char *name, bool all_columns,
										   const char *function);

#endif							/* WR_SHAPES_H */
