/*-------------------------------------------------------------------------
 *
 * import.h
 *	  Adopting an existing orchestrator-core registry.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_IMPORT_H
#define WR_IMPORT_H

#include "access/tupdesc.h"
#include "api.h"
#include "utils/relcache.h"
#include "utils/tuplestore.h"

extern void wr_import_orchestrator_core(const char *schema, bool dry_run,
										WrApiVersion api,
										Tuplestorestate *out,
										TupleDesc outdesc);
extern void wr_check_schema_usage(Oid nspid, const char *schema);
extern Relation wr_open_orchestrator_table(Oid nspid, const char *schema,
										   const char *name, bool all_columns,
										   const char *function);

#endif							/* WR_IMPORT_H */
