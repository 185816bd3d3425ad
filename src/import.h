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
#include "utils/tuplestore.h"

extern void wr_import_orchestrator_core(const char *schema, bool dry_run,
										WrApiVersion api,
										Tuplestorestate *out,
										TupleDesc outdesc);

#endif							/* WR_IMPORT_H */
