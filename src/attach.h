/*-------------------------------------------------------------------------
 *
 * attach.h
 *	  A registry that lives in orchestrator-core's own tables.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WR_ATTACH_H
#define WR_ATTACH_H

#include "access/tupdesc.h"
#include "api.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/tuplestore.h"

extern void wr_refuse_attached(const char *function);

extern void wr_attach(const char *schema, ArrayType *default_workflows,
					  Tuplestorestate *out, TupleDesc outdesc);
extern void wr_detach(WrApiVersion api);
extern void wr_link_new_product(FunctionCallInfo fcinfo, WrApiVersion api);

#endif							/* WR_ATTACH_H */
